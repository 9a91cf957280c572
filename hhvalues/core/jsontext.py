"""Decoding untrusted JSON text: one wording of every way it can fail, for every file reader.

``json.loads`` fails in three ways on hostile input, and only the first is a ``JSONDecodeError``:
malformed text; nesting deeper than the interpreter's recursion limit (``RecursionError``); an
integer of more than 4,300 digits (``ValueError``, CPython's guard against quadratic conversion).
"""

from __future__ import annotations

import json


def decode(text: str | bytes, *, position: bool = True) -> object:
    """The decoded document; ValueError with a one-line reason (no traceback material) when the
    text is not JSON this project can read. ``position``: say the line and column of a syntax
    error (a one-line caller names the line itself)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}: " if position else ""
        raise ValueError(f"not valid JSON ({where}{exc.msg})") from None
    except RecursionError:
        raise ValueError("not valid JSON here (nested deeper than any bank or answer is)") from None
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    except ValueError as exc:  # the integer-digits guard
        raise ValueError(f"not valid JSON here ({str(exc).split(';')[0].lower()})") from None


__all__ = ["decode"]
