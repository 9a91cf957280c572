"""Process-wide tuning of the Streamlit server for many concurrent participants.

Measured under 50 bots (bench/RESULTS.md); the patches apply once per process, at the first run:

* **Theme once.** Every run, a fragment's or a timer's too, starts with a ``new_session``
  message whose theme part reads six config sections, and each read scans all ~200 config
  options: ~8% of the server's GIL time under bots. :func:`options_for_section` looks a
  section's options up in an index (rebuilt when the option table is replaced) and
  :func:`populate_theme_msg` reuses the section's message while none of its options was set
  again (``ConfigOption.set_value`` gives an option a new value function each time).
* **Frozen start-up heap.** With Streamlit's post-run ``gc.collect`` off, Python's own full
  collections still walk every module, class and cached object loaded at start-up: up to
  117 ms with the GIL held under bots, a stall for every session. After the first run has
  imported the app, ``gc.freeze()`` moves those objects out of the collector's sight (full
  collections then took up to 64 ms); later garbage is collected as before. (A higher
  young-generation threshold made fewer but longer pauses, 10-27 ms each: not kept.)
  Modules imported later by the first pages of each kind (pandas for ``run_every``, Pillow,
  pygments ...) left ~72,000 objects for every full collection to walk after 50 bots (up to
  58 ms each): each full run checks whether modules were loaded since the last freeze and, if
  so, collects and freezes again (:func:`freeze_new_imports`), a few times during warm-up.
  Then ~10,000 objects were left and full collections took under 4 ms.

And one patch that is not about speed:

* **Too long is not empty.** Streamlit drops a query string over 512 Ki characters (or 1,000
  fields) and runs the script as if the link had none, so a 1 MB token showed the landing page.
  :func:`sanitize_query_string` hands the script :data:`OVERSIZED` instead, and the participant
  page shows the invalid-link page (issue 16).
"""

from __future__ import annotations

import gc
import sys
import threading
from typing import Any

from streamlit import config
from streamlit.runtime import app_session
from streamlit.runtime.state import query_params

_scan_section = config.get_options_for_section
"""Streamlit's own function (kept for comparison in tests)."""
_lock = threading.Lock()
_index: tuple[dict[str, Any] | None, int, dict[str, list[Any]]] = (None, 0, {})
_installed = False
_modules_frozen = 0


def _section_options(section: str) -> list[Any]:
    global _index
    options = config.get_config_options()
    table, indexed, by_section = _index
    if table is not options or indexed != len(options):  # replaced, or an option was added
        with _lock:
            by_section = {}
            for option in options.values():
                by_section.setdefault(option.section, []).append(option)
            _index = (options, len(options), by_section)
    return by_section.get(section, [])


def options_for_section(section: str) -> dict[str, Any]:
    """What ``config.get_options_for_section`` returns, without scanning every option."""
    return {option.name: option.value for option in _section_options(section)}


OVERSIZED_PARAM = "hhv-oversized"
OVERSIZED = f"{OVERSIZED_PARAM}=1"
"""The query string a script sees in place of one Streamlit refused as too long."""
_sanitize = query_params.sanitize_query_string
"""Streamlit's own function (``app_session`` imported it from here)."""


def sanitize_query_string(query_string: str) -> str:
    """Streamlit's check of a browser's query string, saying so when it dropped one."""
    clean: str = _sanitize(query_string)
    return OVERSIZED if query_string and not clean else clean


_theme_memo: dict[str, tuple[tuple[Any, ...], Any]] = {}
_populate_theme = app_session._populate_theme_msg


def populate_theme_msg(msg: Any, section: str = "theme") -> None:
    """Streamlit's ``_populate_theme_msg``, computed again only when the section's options
    have new values (their value functions are kept, so a new one is told apart by identity)."""
    funcs = tuple(option._get_val_func for option in _section_options(section))
    memo = _theme_memo.get(section)
    if memo is None or memo[0] != funcs:  # functions compare by identity
        template = type(msg)()
        _populate_theme(template, section)
        memo = _theme_memo[section] = (funcs, template)
    msg.MergeFrom(memo[1])


def freeze_new_imports() -> bool:
    """Collect and freeze the heap if modules were imported since the last freeze."""
    global _modules_frozen
    loaded = len(sys.modules)
    if loaded == _modules_frozen:
        return False
    with _lock:
        if loaded == _modules_frozen:
            return False
        _modules_frozen = loaded
        gc.collect()
        gc.freeze()
    return True


def install() -> None:
    """Apply the tuning (the patches once per process; then a freeze after late imports)."""
    global _installed
    if not _installed:
        _installed = True
        config.get_options_for_section = options_for_section
        app_session._populate_theme_msg = populate_theme_msg
        app_session.sanitize_query_string = sanitize_query_string  # type: ignore[attr-defined]
    freeze_new_imports()


__all__ = [
    "OVERSIZED",
    "OVERSIZED_PARAM",
    "freeze_new_imports",
    "install",
    "options_for_section",
    "populate_theme_msg",
    "sanitize_query_string",
]
