"""Every error a page meets is shown as one clear message, never as Streamlit's exception box.

:func:`shown_errors` wraps each page run (:func:`hhvalues.ui.navigation.run`) and each
fragment (:func:`guarded`): an :class:`~hhvalues.errors.HHValuesError` (bad input, a missing
study, an unreachable database …) is shown as its own message, as plain text; anything else is
a bug, logged with its traceback and shown as :data:`UNEXPECTED`. Streamlit's own control flow
(``st.stop``, ``st.rerun``, page switches) passes through: it is not an ``Exception``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec

import streamlit as st

from hhvalues.errors import HHValuesError, StoreError
from hhvalues.ui.text import plain

UNEXPECTED = (
    "Something went wrong on this page; the details are in the server's log. "
    "Reload the page to try again."
)
"""What a page shows for an error that is not one of ours (a bug)."""

_log = logging.getLogger(__name__)
_P = ParamSpec("_P")


def show_error(exc: BaseException, *, doing: str | None = None) -> None:
    """Show one error as one message (``doing``: what failed, e.g. "Not stored")."""
    if isinstance(exc, HHValuesError):
        if isinstance(exc, StoreError):
            _log.warning("store error on a page: %s", exc)
        text = plain(str(exc))
    else:
        _log.error("page failed", exc_info=exc)
        text = UNEXPECTED
    st.error(f"{plain(doing)}: {text}" if doing else text)


@contextmanager
def shown_errors(doing: str | None = None) -> Iterator[None]:
    """Run a block; an error in it becomes one message (:func:`show_error`)."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - the boundary: nothing reaches Streamlit's box
        show_error(exc, doing=doing)


def guarded(fn: Callable[_P, None]) -> Callable[_P, None]:
    """``fn`` with :func:`shown_errors` around it (for fragments, which rerun on their own)."""

    @functools.wraps(fn)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> None:
        with shown_errors():
            fn(*args, **kwargs)

    return run


__all__ = ["UNEXPECTED", "guarded", "show_error", "shown_errors"]
