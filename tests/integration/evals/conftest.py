"""Fixtures of the model-harness tests: a real provider server on 127.0.0.1 (in a thread)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from provider_server import ProviderServer

ROOT = Path(__file__).resolve().parents[3]
TINY_BANK = ROOT / "tests" / "data" / "examples" / "tiny_bank.json"
STUDY = ROOT / "conditions" / "published-study.toml"


@pytest.fixture(scope="session")
def _server() -> Iterator[ProviderServer]:
    server = ProviderServer().start()
    yield server
    server.stop()


@pytest.fixture()
def server(
    _server: ProviderServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> ProviderServer:
    """The shared server, reset; provider keys set in the environment only; the database a
    run stores its answers in (by default, as every command) a fresh file of the test's."""
    _server.reset()
    _server.latency = 0.0
    _server.slow_seconds = 3.0
    _server.retry_after = "1"
    _server.override = None
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-never-logged-0123456789")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-never-logged-0123456789")
    for var in ("ANTHROPIC_BASE_URL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HHVALUES_DATABASE_URL", f"sqlite:///{tmp_path / 'env-db' / 'h.db'}")
    return _server
