"""The answer flow's pages, one module per page; :mod:`hhvalues.ui.link` picks the page from the
stored state."""
