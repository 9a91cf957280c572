"""Grid worlds: parsing, moves, transitions and the reward on entering a cell.

Grid encoding
    Rows run top to bottom, columns left to right; state ``s = row * width + col``.
    ``#`` wall, ``.`` empty, ``S`` the start (an empty cell), any other character a feature symbol.
Moves
    ``U`` to the row above, ``D`` below, ``L`` left, ``R`` right. A move into a wall or off the
    grid is not an available action.
Reward
    Entering cell s' yields ``w · phi(s') + step_cost`` (phi one-hot over features; empty cells 0).
Termination
    Entering a destination (a terminal feature) ends the walk; a horizon caps its length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.features import FeatureSet
from hhvalues.errors import BankError

MOVES = "UDLR"
"""Action order used by every array with an action axis."""
DELTAS: tuple[tuple[int, int], ...] = ((-1, 0), (1, 0), (0, -1), (0, 1))
MIN_SIDE, MAX_SIDE = 2, 12
WALL, EMPTY = -2, -1


@dataclass(frozen=True, slots=True, eq=False)
class World:
    """A parsed grid. Build with :func:`parse_world`."""

    rows: tuple[str, ...]
    """The grid as given."""
    height: int
    width: int
    cell: NDArray[np.int16]
    """``cell[s]``: feature index, ``EMPTY`` (-1) or ``WALL`` (-2)."""
    start: int
    """State index of ``S``."""
    next_state: NDArray[np.int32]
    """``next_state[s, a]``: the state a move leads to, or -1 when unavailable."""
    terminal: NDArray[np.bool_]
    """``terminal[s]``: entering s ends the walk."""
    phi: NDArray[np.float64] = field(repr=False)
    """``phi[s, k]``: one-hot feature of state s (zeros for empty cells and walls)."""

    @property
    def n_states(self) -> int:
        """Number of cells, walls included."""
        return self.height * self.width

    def coords(self, s: int) -> tuple[int, int]:
        """(row, col) of a state."""
        return divmod(int(s), self.width)


def parse_world(rows: Sequence[str], features: FeatureSet) -> World:
    """Parse grid rows; BankError naming the problem for a malformed grid.

    The last few worlds are remembered (a world is immutable: its arrays are read-only), since
    one item's grids are parsed by each check and agent in turn; a large bank never hits it
    across items, each item's grids being its own."""
    if isinstance(rows, str) or not all(isinstance(r, str) for r in rows):
        raise BankError("grid must be a list of strings")
    return _parse_world(tuple(rows), features)


@lru_cache(maxsize=32)
def _parse_world(rows: tuple[str, ...], features: FeatureSet) -> World:
    height = len(rows)
    width = len(rows[0]) if rows else 0
    if not (MIN_SIDE <= height <= MAX_SIDE and MIN_SIDE <= width <= MAX_SIDE):
        raise BankError(f"grid is {width}x{height}; sides must be {MIN_SIDE}..{MAX_SIDE}")
    if any(len(r) != width for r in rows):
        raise BankError("grid rows have different lengths")
    codes, values, terminal_features = _symbols(features)
    points = np.frombuffer("".join(rows).encode("utf-32-le"), dtype=np.uint32)
    at = np.minimum(np.searchsorted(codes, points), len(codes) - 1)
    known = codes[at] == points
    if not known.all():
        r, c = divmod(int(np.flatnonzero(~known)[0]), width)
        raise BankError(f"unknown symbol {rows[r][c]!r} at row {r}, column {c}")
    cell = values[at]
    starts = np.flatnonzero(points == ord("S"))
    if len(starts) != 1:
        raise BankError(f"grid needs exactly one start 'S', found {len(starts)}")
    targets, inside = _geometry(height, width)
    open_ = cell != WALL
    next_state = np.where(inside & open_[targets] & open_[:, None], targets, -1).astype(np.int32)
    is_feature = cell >= 0
    terminal = np.zeros(height * width, dtype=bool)
    terminal[is_feature] = terminal_features[cell[is_feature]]
    phi = np.zeros((height * width, len(features)), dtype=np.float64)
    phi[np.flatnonzero(is_feature), cell[is_feature]] = 1.0
    for arr in (cell, next_state, terminal, phi):
        arr.setflags(write=False)
    return World(rows, height, width, cell, int(starts[0]), next_state, terminal, phi)


@lru_cache(maxsize=64)
def _symbols(
    features: FeatureSet,
) -> tuple[NDArray[np.uint32], NDArray[np.int16], NDArray[np.bool_]]:
    """The grid's characters as sorted code points, the cell value of each, and which features
    are destinations."""
    table = {f.symbol: k for k, f in enumerate(features) if len(f.symbol) == 1} | {
        "#": WALL,
        ".": EMPTY,
        "S": EMPTY,
    }
    chars = sorted(table, key=ord)
    codes = np.array([ord(ch) for ch in chars], dtype=np.uint32)
    values = np.array([table[ch] for ch in chars], dtype=np.int16)
    return codes, values, np.array(features.terminal_mask, dtype=bool)


@lru_cache(maxsize=128)
def _geometry(height: int, width: int) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """For each state and move: the cell it points at (0 when off the grid), and whether it is
    on the grid."""
    rr, cc = np.divmod(np.arange(height * width), width)
    targets = np.zeros((height * width, len(MOVES)), dtype=np.intp)
    inside = np.zeros((height * width, len(MOVES)), dtype=bool)
    for a, (dr, dc) in enumerate(DELTAS):
        r2, c2 = rr + dr, cc + dc
        inside[:, a] = (r2 >= 0) & (r2 < height) & (c2 >= 0) & (c2 < width)
        targets[:, a] = np.where(inside[:, a], r2 * width + c2, 0)
    for arr in (targets, inside):
        arr.setflags(write=False)
    return targets, inside


class Walk(NamedTuple):
    """A path followed through a world."""

    states: tuple[int, ...]
    """Visited states, start first; ``len(states) == len(path) + 1``."""
    counts: NDArray[np.float64]
    """``counts[k]``: how many times the walk entered a cell of feature k."""
    ended_at_destination: bool


def follow_path(world: World, path: str, *, horizon: int) -> Walk:
    """Follow a path of moves; BankError for a move off the grid, into a wall or past the end."""
    s = world.start
    states = [s]
    ended = False
    next_state, terminal = _lists(world)  # plain lists: numpy scalars cost ~10x per step
    for i, move in enumerate(path):
        if ended:
            raise BankError(f"path continues past a destination at step {i + 1}")
        if i >= horizon:
            raise BankError(f"path is longer than the horizon {horizon}")
        a = MOVES.find(move)
        if a < 0:
            raise BankError(f"step {i + 1}: {move!r} is not one of U, D, L, R")
        nxt = next_state[s][a]
        if nxt < 0:
            r, c = world.coords(s)
            raise BankError(
                f"step {i + 1}: {move} from row {r}, column {c} leaves the grid or enters a wall"
            )
        s = nxt
        states.append(s)
        ended = terminal[s]
    cells = world.cell[states[1:]]
    counts = np.bincount(cells[cells >= 0], minlength=world.phi.shape[1]).astype(np.float64)
    return Walk(tuple(states), counts, ended)


@lru_cache(maxsize=32)
def _lists(world: World) -> tuple[list[list[int]], list[bool]]:
    """A world's moves and destinations as Python lists (for walking it step by step)."""
    return world.next_state.tolist(), world.terminal.tolist()


def is_complete(walk: Walk, *, horizon: int) -> bool:
    """A walk is complete when it ends at a destination or reaches the horizon."""
    return walk.ended_at_destination or len(walk.states) - 1 == horizon


def reachable(world: World) -> NDArray[np.bool_]:
    """States reachable from the start without passing through a destination."""
    seen = np.zeros(world.n_states, dtype=bool)
    seen[world.start] = True
    frontier = [world.start]
    while frontier:
        nxt_frontier = []
        for s in frontier:
            if world.terminal[s]:
                continue
            for t in world.next_state[s]:
                if t >= 0 and not seen[t]:
                    seen[t] = True
                    nxt_frontier.append(int(t))
        frontier = nxt_frontier
    return seen
