"""Command-line entry point: ``main(argv) -> exit code``.

Every :class:`~hhvalues.errors.HHValuesError` becomes one line on stderr and exit status 2;
usage errors exit 2 as well. No traceback reaches the user.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

# Command modules register themselves on `cli` when imported.
from hhvalues.cli import bank as _bank  # noqa: F401
from hhvalues.cli import bots as _bots  # noqa: F401
from hhvalues.cli import db as _db  # noqa: F401
from hhvalues.cli import evals as _evals  # noqa: F401
from hhvalues.cli import recordings as _recordings  # noqa: F401  (issue 6)
from hhvalues.cli import score as _score  # noqa: F401
from hhvalues.cli import study as _study  # noqa: F401
from hhvalues.cli import users as _users  # noqa: F401
from hhvalues.cli.app import cli
from hhvalues.errors import HHValuesError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit status."""
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="hhvalues",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except HHValuesError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        click.echo(f"error: {where}{exc.strerror or exc}", err=True)
        return 2
    return int(result) if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
