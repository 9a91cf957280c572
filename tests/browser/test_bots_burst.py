"""``hhvalues bots`` in a launch burst: links opened at random moments in a window, the
prologue clicked straight through, the first item's arrival recorded (issue 14, item 6)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hhvalues.cli import main
from tests.browser.harness import make_study


def test_arrivals_are_spread_over_the_window_and_repeat_for_a_seed() -> None:
    from hhvalues.cli.bots import arrival_offsets

    offsets = arrival_offsets(200, 10.0, seed=3)
    assert len(offsets) == 200 and all(0.0 <= t < 10.0 for t in offsets)
    assert min(offsets) < 1.0 and max(offsets) > 9.0  # the whole window, not a clump
    assert arrival_offsets(200, 10.0, seed=3) == offsets
    assert arrival_offsets(200, 10.0, seed=4) != offsets


class _Uniform:
    """An rng that counts the pauses a bot draws (each pause draws its length once)."""

    def __init__(self) -> None:
        self.calls = 0

    def uniform(self, a: float, b: float) -> float:
        self.calls += 1
        return a


def test_a_bot_pauses_by_prologue_think_until_its_first_item_then_by_think() -> None:
    from hhvalues.cli.bots import Bot

    bot = Bot(0, "http://127.0.0.1:1", "s", think=0.02, prologue_think=0.0)
    rng = _Uniform()
    bot.rng = rng  # type: ignore[assignment]
    asyncio.run(bot._pause())
    assert rng.calls == 0, "no pause before the first item"
    bot.result.first_item = 1.0
    asyncio.run(bot._pause())
    assert rng.calls == 1, "a pause of --think once an item is on screen"
    assert Bot(0, "http://127.0.0.1:1", "s", think=3.0).prologue_think == 3.0  # default: think


def test_a_bot_told_to_leave_timers_unfired_pauses_without_ticking() -> None:
    """The what-if of ``bench_app.py --no-timer-reruns``: no timer rerun is sent (this bot has
    no connection, so a tick would fail)."""
    from hhvalues.cli.bots import Bot

    bot = Bot(0, "http://127.0.0.1:1", "s", think=0.01, timers=False)
    bot.result.first_item = 1.0
    bot.client.auto_reruns = {"countdown": 0.001}
    asyncio.run(bot._pause())
    assert bot.client.auto_rerun_count == 0


def test_bots_arriving_within_a_window_reach_the_first_item_and_finish(
    servers: Any, sqlite_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    study = make_study(sqlite_db_url, train=0, items=1, catch=0, min_answer_seconds=0)
    app = servers(sqlite_db_url)
    argv = ["bots", "--study", study.slug, "--count", "3", "--url", app.url]
    code = main([*argv, "--arrive-within", "1", "--prologue-think", "0", "--db", sqlite_db_url])
    out = capsys.readouterr()
    assert code == 0, out.err + app.log_tail()
    assert out.out.startswith("3/3 bots reached the completion code")
    assert "first item p50" in out.out and "(3 reached it)" in out.out
