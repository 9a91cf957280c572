"""The layering of CONTRIBUTING.md, checked by import-linter, and the curated public names."""

import shutil
import subprocess
import sys
from pathlib import Path

import hhvalues.core

ROOT = Path(__file__).resolve().parents[1]


def test_import_layers_hold():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    proc = subprocess.run(
        [exe, "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "BROKEN" not in proc.stdout


def test_core_exports_exist_and_are_sorted():
    names = hhvalues.core.__all__
    assert sorted(names, key=str) == sorted(set(names), key=str)
    for name in names:
        assert hasattr(hhvalues.core, name), name


def test_core_does_not_import_app_libraries():
    code = (
        "import sys, hhvalues.core, hhvalues.core.render, hhvalues.core.scoring; "
        "bad = [m for m in ('streamlit', 'sqlmodel', 'sqlalchemy', 'pandas', 'anthropic', 'openai') "
        "if m in sys.modules]; print(','.join(bad))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_postgres_cases_carry_the_postgres_marker():
    """``-m "not postgres"`` leaves out every PostgreSQL case (and keeps the SQLite ones)."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not postgres",
            "tests/integration/store",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    ids = [line for line in proc.stdout.splitlines() if "::" in line]
    assert proc.returncode == 0 and ids, proc.stdout + proc.stderr
    assert any("[sqlite" in i for i in ids) and not any("[postgres" in i for i in ids)


ROOMS = ("db", "accounts", "studies", "participation", "demonstration", "analysis", "exports")


def test_each_store_room_face_lists_what_its_modules_export():
    """A room's ``__init__`` is its face: it lists every name its modules export, and each
    resolves (other code imports from the face only; import-linter checks that part)."""
    import importlib
    import pkgutil

    for room in ROOMS:
        face = importlib.import_module(f"hhvalues.store.{room}")
        exported: set[str] = set()
        for info in pkgutil.iter_modules(face.__path__):
            module = importlib.import_module(f"hhvalues.store.{room}.{info.name}")
            if info.name != "part":  # the second export process's entry point, run with -m
                exported |= set(module.__all__)
        assert set(face.__all__) == exported, room
        assert all(hasattr(face, name) for name in face.__all__), room
