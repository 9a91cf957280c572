"""The walk itself: the grid, the running score and the arrow buttons, inside one fragment.

Each press is stored by :func:`hhvalues.store.demonstration.record_move` in the button's callback,
carrying the move index this render showed, so a double press stores one move. Only the
fragment reruns on a press (the grid re-renders, nothing else); when the walk ends the whole
page reruns and the store decides what comes next. Keys ``move-U``, ``move-D``, ``move-L``,
``move-R``; keyboard shortcuts are the arrow keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import streamlit as st
from sqlalchemy import Engine

from hhvalues.core.features import FeatureSet
from hhvalues.core.render import (
    legend_entries,
    render_demo_png,
    render_legend_png,
    render_world_text,
)
from hhvalues.errors import InputError, LinkError, StoreError
from hhvalues.store.demonstration import DemoStepKind, WalkView, demo_step, record_move
from hhvalues.ui import backend, faults, state, widgets

LAST_WALK = "hhv.demo.walk"
"""Session-state cache: the walk as the last press left it (saves a read on the fragment rerun)."""
BUTTONS = (
    ("U", "Up", ":material/arrow_upward:"),
    ("L", "Left", ":material/arrow_back:"),
    ("D", "Down", ":material/arrow_downward:"),
    ("R", "Right", ":material/arrow_forward:"),
)


def move_key(direction: str) -> str:
    """Widget key of an arrow button: ``move-U``, ``move-D``, ``move-L``, ``move-R``."""
    return f"move-{direction}"


@lru_cache(maxsize=2048)
def walk_png(features: FeatureSet, grid: Sequence[str], path: str, horizon: int) -> bytes:
    """The world with the walk so far (cached: a bump re-renders the same picture)."""
    return render_demo_png(features, tuple(grid), path, horizon=horizon)


@lru_cache(maxsize=256)
def legend_png(features: FeatureSet, grid: Sequence[str]) -> tuple[bytes, str]:
    """The legend of a world's map and its words."""
    present = [i for i, f in enumerate(features) if f.symbol in "".join(grid)]
    words = legend_entries(features, present, demo=True, paths=False)
    png = render_legend_png(features, present, demo=True)
    return png, "Legend of the map: " + "; ".join(w for _, w in words) + "."


def show_walk(features: FeatureSet, grid: Sequence[str], path: str, horizon: int) -> None:
    """The map with the walk so far, its text alternative (the world as a model reads it, and
    the moves), and its legend."""
    moves = " ".join(path) or "none yet"
    widgets.show_png(
        walk_png(features, tuple(grid), path, horizon),
        alt=f"{render_world_text(features, grid)}\nMoves so far: {moves}",
    )
    legend, words = legend_png(features, tuple(grid))
    widgets.show_png(legend, alt=words)


def _press(engine: Engine, token: str, walk_id: int, index: int, direction: str) -> None:
    try:
        result = record_move(engine, token, walk_id, index, direction, now=backend.now)
    except InputError as exc:  # LinkError included: a stale page, a double press, a closed study
        st.session_state.pop(LAST_WALK, None)
        if not isinstance(exc, LinkError) and "already stored" in exc.message:
            return  # a double press: the first one counted
        state.set_notice("warning", exc.message)
        return
    except StoreError as exc:
        st.session_state.pop(LAST_WALK, None)
        faults.notice(exc, token, "move", lead="Your last move could not be saved: ")
        return
    st.session_state[LAST_WALK] = result.walk
    if result.bumped:
        state.set_notice("info", "Bump! You cannot go that way.")
    elif not result.stored:
        state.set_notice("warning", "The time for this walk ran out.")


def _score_line(walk: WalkView) -> None:
    left, mid, right = st.columns(3)
    left.metric("Score", f"{walk.score:g}")
    mid.metric("Steps left", walk.steps_left)
    right.metric("Bumps", walk.n_bumps)


@st.fragment
def board(engine: Engine, token: str, features: FeatureSet) -> None:
    """The grid and the arrows; reruns alone on each press."""
    walk: WalkView | None = st.session_state.pop(LAST_WALK, None)
    if walk is None:
        step = demo_step(engine, token, now=backend.now)
        if step.kind is not DemoStepKind.WALK or step.walk is None:
            st.rerun(scope="app")
            return
        walk = step.walk
    if walk.ended:
        st.rerun(scope="app")
        return
    widgets.show_notice()
    _score_line(walk)
    show_walk(features, walk.grid, walk.path, walk.horizon)
    top = st.columns(3)
    bottom = st.columns(3)
    slots = {"U": top[1], "L": bottom[0], "D": bottom[1], "R": bottom[2]}
    for direction, shortcut, icon in BUTTONS:
        slots[direction].button(
            shortcut,
            key=move_key(direction),
            icon=icon,
            shortcut=shortcut,
            on_click=_press,
            args=(engine, token, walk.id, walk.n_moves, direction),
            use_container_width=True,
        )


__all__ = ["BUTTONS", "LAST_WALK", "board", "legend_png", "move_key", "show_walk", "walk_png"]
