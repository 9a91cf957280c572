"""Participant pages: one module per page; :mod:`flow` picks the page from the stored state."""
