"""The server tuning gives Streamlit the same config and theme messages, only cheaper
(hhvalues.ui.server_tuning), and freezes the start-up heap."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit import config
from streamlit.proto.NewSession_pb2 import CustomThemeConfig

from hhvalues.ui import server_tuning

SECTIONS = [
    "theme",
    "theme.light",
    "theme.dark",
    "theme.sidebar",
    "theme.light.sidebar",
    "theme.dark.sidebar",
    "server",
    "client",
    "runner",
    "browser",
    "no-such-section",
]


@pytest.fixture
def primary_color() -> Iterator[str]:
    """Set theme.primaryColor for one test and put the previous value back."""
    option = config.get_config_options()["theme.primaryColor"]
    before = (option._get_val_func, option.where_defined, option.is_default)
    config.set_option("theme.primaryColor", "#123456")
    yield "#123456"
    option._get_val_func, option.where_defined, option.is_default = before


def _theme(populate: object, section: str) -> bytes:
    msg = CustomThemeConfig()
    populate(msg, section)  # type: ignore[operator]
    return msg.SerializeToString(deterministic=True)


@pytest.mark.parametrize("section", SECTIONS)
def test_options_of_a_section_are_streamlits(section: str) -> None:
    assert server_tuning.options_for_section(section) == server_tuning._scan_section(section)


def test_theme_messages_are_streamlits_and_follow_a_changed_option(primary_color: str) -> None:
    sections = [s for s in SECTIONS if s.startswith("theme")]
    original = server_tuning._populate_theme
    for section in sections:
        server_tuning.populate_theme_msg(CustomThemeConfig(), section)  # memoised before the change
    config.set_option("theme.primaryColor", "#abcdef")
    for section in sections:
        assert _theme(server_tuning.populate_theme_msg, section) == _theme(original, section)
    msg = CustomThemeConfig()
    server_tuning.populate_theme_msg(msg, "theme")
    assert msg.primary_color == "#abcdef"  # not the memoised "#123456"
    assert server_tuning.options_for_section("theme")["primaryColor"] == "#abcdef"


def test_install_patches_streamlit_once_and_freezes_the_heap() -> None:
    from streamlit.runtime import app_session

    server_tuning.install()
    assert config.get_options_for_section is server_tuning.options_for_section
    assert app_session._populate_theme_msg is server_tuning.populate_theme_msg  # type: ignore[attr-defined]
    assert gc.get_freeze_count() > 0


def test_modules_imported_after_the_first_run_are_frozen_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_tuning.install()
    assert not server_tuning.freeze_new_imports()  # nothing imported since
    (tmp_path / "late_import_probe.py").write_text("TABLE = {str(i): [i] for i in range(1000)}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import late_import_probe  # noqa: F401  (a page importing a module the first time)

    frozen = gc.get_freeze_count()
    assert server_tuning.freeze_new_imports()
    assert gc.get_freeze_count() >= frozen + 1000  # the module's objects left the collector's sight
    assert not server_tuning.freeze_new_imports()
    del sys.modules["late_import_probe"]
