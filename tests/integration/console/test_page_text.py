"""No page shows a string its author did not mean to show (issue 15 item 6).

Streamlit's "magic" draws every bare expression of a file it runs as a page: an attribute
docstring under a constant ("The command the first-start message names." above the sign-in
form), a leftover variable. Magic is off in .streamlit/config.toml, and no page file relies on
it either: Streamlit's own transform, run over every file the app runs as a page, finds nothing
it would draw.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from streamlit.runtime.scriptrunner.magic import MAGIC_MODULE_NAME, add_magic

from hhvalues.ui.console import pages

ROOT = Path(__file__).resolve().parents[3]


def _page_files() -> list[Path]:
    """app.py and every file the navigation runs as a page (the console's)."""
    tables = (pages.RESEARCHER_SECTIONS, pages.ADMIN_SECTIONS)
    names = {name for table in tables for entries in table.values() for name, _, _ in entries}
    return [ROOT / "app.py", pages.ACCOUNT, *(pages.HERE / f"{n}.py" for n in sorted(names))]


def _drawn(path: Path) -> list[str]:
    """What Streamlit's magic would write on screen from this file, as source lines."""
    source = path.read_text(encoding="utf-8")
    tree = add_magic(source, str(path))
    out = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == MAGIC_MODULE_NAME
        ):
            out.append(f"{path.name}:{node.lineno}: {ast.unparse(node.args[0])[:60]}")
    return out


@pytest.mark.parametrize("path", _page_files(), ids=lambda p: p.name)
def test_magic_would_draw_nothing_from_any_page_file(path: Path) -> None:
    assert _drawn(path) == []


def test_magic_is_off_in_the_apps_configuration() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["magicEnabled"] is False
