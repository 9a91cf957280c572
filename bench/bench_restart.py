"""Benchmark the first page after a restart: ``streamlit run app.py`` against ``serve.py``.

    python bench/bench_restart.py [--restarts 5]

Participants sit on an item (its deadline running) when the app is killed and started again;
one reloads. The figure is how long that first page takes (connect to the end of the run),
beside the pages that follow it in the same process: the seconds a participant's item loses to
a cold process. Issue 16 item 8: ~2 s with ``app.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hhvalues.cli.bots import StreamlitClient  # noqa: E402
from tests.browser.harness import AppServer, make_study  # noqa: E402


def _now() -> datetime:
    return datetime.now(UTC)


async def _page(url: str, token: str) -> float:
    client = StreamlitClient(url, f"t={token}", timeout=60)
    t0 = time.perf_counter()
    await client.connect()
    try:
        page = await client.rerun()
        assert page.countdown() is not None, page.text()[:200]
        return time.perf_counter() - t0
    finally:
        await client.close()


def measure(script: str, restarts: int, tmp: Path) -> tuple[list[float], list[float]]:
    """First-page and later-page seconds after each of ``restarts`` restarts."""
    from hhvalues.store.db import make_engine
    from hhvalues.store.participation import consent, current_step, start_session
    from hhvalues.store.studies import invite

    url = f"sqlite:///{tmp / (script + '.db')}"
    make_study(url, train=0, items=3, catch=0, item_seconds=600)
    engine = make_engine(url)
    tokens = invite(engine, "bt", 4, now=_now, actor="bench")
    for t in tokens:
        consent(engine, t, now=_now)
        start_session(engine, t, now=_now)
        current_step(engine, t, now=_now)
    engine.dispose()
    app = AppServer(url, log_dir=tmp, app=ROOT / script).start()
    first, later = [], []
    try:
        for _ in range(restarts):
            app.restart()
            first.append(asyncio.run(_page(app.url, tokens[0])))
            later += [asyncio.run(_page(app.url, t)) for t in tokens[1:]]
    finally:
        app.stop()
    return first, later


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restarts", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        for script in ("app.py", "serve.py"):
            first, later = measure(script, args.restarts, Path(d))
            f, w = statistics.median(first), statistics.median(later)
            print(
                f"{script}: first page after a restart {f * 1000:.0f} ms (median of "
                f"{len(first)}), later pages {w * 1000:.0f} ms; {f / w:.1f}x"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
