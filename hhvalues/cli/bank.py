"""``hhvalues bank ...``: generate, validate, inspect and publish item banks."""

from __future__ import annotations

from hhvalues.cli.app import cli


@cli.group()
def bank() -> None:
    """Generate, validate, inspect and publish item banks."""
