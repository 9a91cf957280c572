"""Demonstration studies in headless Chromium: a participant walks a world with the arrow keys,
bumps into a wall, refreshes mid-walk and finishes; the stored moves reproduce the path."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.browser.harness import DEMO_BANK, click_key, countdown, keys, open_link, settle

pytestmark = pytest.mark.browser
ARROW = {"U": "ArrowUp", "D": "ArrowDown", "L": "ArrowLeft", "R": "ArrowRight"}


def _now() -> datetime:
    return datetime.now(UTC)


def _setup(database_url: str) -> tuple[str, str]:
    """A demonstration study (no practice, one world) and one invited participant's token."""
    from hhvalues.core.validate import load_valid_bank
    from hhvalues.store.db import import_bank, make_engine, upgrade, write_session
    from hhvalues.store.demonstration import DemoConfig, demonstrate_config
    from hhvalues.store.studies import StudyConfig, StudyKind, create_study, invite

    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with write_session(engine) as session:
            info = import_bank(session, load_valid_bank(DEMO_BANK), now=_now)
        config = demonstrate_config(
            StudyConfig(), DemoConfig(practice=0, worlds=1, instruction="do")
        )
        study = create_study(
            engine,
            slug="walks",
            bank_id=info.id,
            config=config,
            now=_now,
            kind=StudyKind.DEMONSTRATE,
            actor="test",
        )
        [token] = invite(engine, "walks", 1, now=_now, actor="test")
    finally:
        engine.dispose()
    return token, study.config.completion_code


def _walks(database_url: str, token: str) -> list[Any]:
    from hhvalues.store.db import make_engine
    from hhvalues.store.demonstration import participant_walks

    engine = make_engine(database_url)
    try:
        return participant_walks(engine, token)
    finally:
        engine.dispose()


def _moves(database_url: str, walk_id: int) -> list[Any]:
    from hhvalues.store.db import make_engine
    from hhvalues.store.demonstration import walk_moves

    engine = make_engine(database_url)
    try:
        return walk_moves(engine, walk_id)
    finally:
        engine.dispose()


def _plan(grid: tuple[str, ...]) -> tuple[str, int, str]:
    """A shortest path to a destination, a step along it where a bump is possible, and the bump."""
    from hhvalues.core.bank import load_bank
    from hhvalues.core.world import MOVES, parse_world

    world = parse_world(grid, load_bank(DEMO_BANK).features)
    prev: dict[int, tuple[int, str]] = {world.start: (-1, "")}
    queue, goal = deque([world.start]), None
    while queue:
        s = queue.popleft()
        if world.terminal[s]:
            goal = s
            break
        for a, t in enumerate(world.next_state[s]):
            if t >= 0 and int(t) not in prev:
                prev[int(t)] = (s, MOVES[a])
                queue.append(int(t))
    assert goal is not None
    path, s = "", goal
    while prev[s][0] >= 0:
        s, move = prev[s][0], prev[s][1] + path
        path = move
    states = [world.start]
    for m in path:
        states.append(int(world.next_state[states[-1], MOVES.index(m)]))
    for i, s in enumerate(states[:-1]):
        blocked = [MOVES[a] for a in range(4) if world.next_state[s, a] < 0]
        if blocked:
            return path, i, blocked[0]
    raise AssertionError("no cell on the path has a wall or edge beside it")


def _press(page: Any, move: str) -> None:
    page.keyboard.press(ARROW[move])
    settle(page, quiet_ms=150)


def test_walk_with_the_keyboard_bump_refresh_and_finish(
    tab: Any, servers: Any, sqlite_db_url: str
) -> None:
    page, _ = tab
    token, code = _setup(sqlite_db_url)
    app = servers(sqlite_db_url)
    open_link(page, f"{app.url}/?t={token}")
    click_key(page, "consent")
    from hhvalues.core.bank import load_bank

    step_cost = load_bank(DEMO_BANK).step_cost
    assert f"each step {step_cost:g} points".replace("-", "−") in page.inner_text("body")
    click_key(page, "start")
    assert {"move-U", "move-D", "move-L", "move-R"} <= keys(page)
    assert 0 < countdown(page) <= 300  # the walk's own time limit (DemoConfig.walk_seconds)
    assert "s left for this walk" in page.inner_text("body")
    [walk] = _walks(sqlite_db_url, token)
    path, bump_at, bump = _plan(walk.grid)
    half = max(1, len(path) // 2)
    presses: list[str] = []
    page.mouse.click(10, 10)  # focus the page, not a widget
    for i, move in enumerate(path):
        if i == bump_at:
            _press(page, bump)
            presses.append(bump)
            stored = _walks(sqlite_db_url, token)[0]
            assert stored.path == path[:i] and stored.n_bumps == 1, "a bump moved the walker"
        if i == half:
            page.reload()  # refresh mid-walk: the state comes back from the database
            settle(page)
            assert "move-U" in keys(page)
            assert _walks(sqlite_db_url, token)[0].path == path[:i]
            page.mouse.click(10, 10)
        _press(page, move)
        presses.append(move)
    page.wait_for_selector(f"text={code}")
    [walk] = _walks(sqlite_db_url, token)
    moves = _moves(sqlite_db_url, walk.id)
    assert [m.direction for m in moves] == presses
    assert [m.number for m in moves] == list(range(len(presses)))
    assert "".join(m.direction for m in moves if not m.bumped) == walk.path == path
    [bumped] = [m for m in moves if m.bumped]
    assert bumped.from_state == bumped.to_state
    assert walk.ended and walk.end_reason == "destination"
