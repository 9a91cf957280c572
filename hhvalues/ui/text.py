"""User-supplied text (names, file names, messages that quote them) shown as plain text.

Streamlit draws the text of ``st.success``, ``st.error``, ``st.caption``, ``st.markdown`` …
as Markdown, with its own extensions (``:red[…]`` colours, ``:material/…:`` icons, emoji
shortcodes, ``$…$`` LaTeX). A bank named ``**x** [y](javascript:…)`` must read as those
characters, not as bold text and a link: :func:`plain` escapes every character that could
start such markup. Every console message that carries data goes through it.
"""

from __future__ import annotations

import re

_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=^])")
_SPACE = re.compile(r"\s+")


def plain(value: object) -> str:
    """``value`` as text Streamlit's Markdown shows literally (one line, markup escaped)."""
    return _MARKUP.sub(r"\\\1", _SPACE.sub(" ", str(value)).strip())


__all__ = ["plain"]
