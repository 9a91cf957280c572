"""Identifiers people give: bank names, item, probe and feature ids, respondents.

They end up in file names, CSV cells, HTML pages and terminal lines, so they are kept to a
safe, printable ASCII set: letters, digits and ``_ . : / @ + = -``, starting with a letter or a
digit. That refuses what can make one id look like another or rewrite what is shown around it:
right-to-left overrides and other bidirectional controls, zero-width characters, look-alike
letters from other scripts, spaces, quotes and HTML's ``< > &``. Labels (a feature's name, a
rationale) are free text; ids are not.
"""

from __future__ import annotations

import re
import unicodedata

ID_CHARS = "letters, digits and _ . : / @ + = - (ASCII), starting with a letter or digit"
"""The safe set, in words (for error messages)."""
MAX_ID = 200
"""The longest id (the database's item id column)."""
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/@+=-]*")
_CHAR = re.compile(r"[A-Za-z0-9_.:/@+=-]")


def is_safe_id(value: str, *, max_length: int = MAX_ID) -> bool:
    """Whether ``value`` is a safe id (one C-level match: cheap enough for every line)."""
    return len(value) <= max_length and _SAFE.fullmatch(value) is not None


def id_problem(value: str, *, max_length: int = MAX_ID) -> str | None:
    """What is wrong with ``value`` as an id (None: nothing), naming the first bad character
    by its code point so that the message itself shows no control character."""
    if not value:
        return "is empty"
    if len(value) > max_length:
        return f"is longer than {max_length} characters"
    if _SAFE.fullmatch(value):
        return None
    if not _CHAR.fullmatch(value[0]) or value[0] in "_.:/@+=-":
        first = value[0]
    else:
        first = next(c for c in value if not _CHAR.fullmatch(c))
    name = unicodedata.name(first, "")
    shown = f"U+{ord(first):04X}" + (f" ({name})" if name else "")
    if first.isprintable() and first.isascii() and first != " ":
        shown = f"{first!r}"
    where = "starts with" if first == value[0] else "contains"
    return f"{where} {shown}: ids are {ID_CHARS}"


def shown_id(value: str, limit: int = 60) -> str:
    """An id quoted for a message: escaped (no control character reaches a terminal), cut."""
    text = ascii(value[:limit])
    return text + ("…" if len(value) > limit else "")


__all__ = ["ID_CHARS", "MAX_ID", "id_problem", "is_safe_id", "shown_id"]
