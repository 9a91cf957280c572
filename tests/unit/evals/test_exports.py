"""``hhvalues.evals.__all__`` names exactly what resolves, and importing it loads no SDK."""

from __future__ import annotations

import subprocess
import sys

from hhvalues import evals


def test_all_resolves() -> None:
    assert len(evals.__all__) == len(set(evals.__all__))
    for name in evals.__all__:
        assert getattr(evals, name) is not None


def test_import_is_light() -> None:
    code = (
        "import sys, hhvalues.evals; "
        "heavy = [m for m in ('anthropic', 'openai', 'numpy', 'hhvalues.core') if m in sys.modules]; "
        "sys.exit(1 if heavy else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_all_matches_the_table() -> None:
    assert set(evals.__all__) == set(evals._EXPORTS)
