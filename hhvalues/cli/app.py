"""The root ``hhvalues`` click group; command modules attach themselves to it."""

from __future__ import annotations

import click

from hhvalues import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hhvalues")
def cli() -> None:
    """HH-Values Studio: item banks, scoring, studies and model runs."""
