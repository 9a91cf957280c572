import numpy as np
import pytest

from hhvalues.core.features import CATALOGUE, Feature, FeatureSet
from hhvalues.core.world import MOVES, WALL, follow_path, is_complete, parse_world, reachable
from hhvalues.errors import BankError

FS = FeatureSet((CATALOGUE[0], CATALOGUE[6]))  # flowers 'f' (terrain), cafe 'C' (destination)


def test_rows_top_to_bottom_and_up_moves_to_row_above():
    w = parse_world(["C.", "S."], FS)
    assert w.start == 2
    assert w.next_state[w.start, MOVES.index("U")] == 0
    assert w.next_state[w.start, MOVES.index("D")] == -1  # off the grid
    assert w.terminal[0] and not w.terminal[1]


def test_walls_are_not_available_moves():
    w = parse_world(["S#", ".C"], FS)
    assert w.cell[1] == WALL
    assert w.next_state[0, MOVES.index("R")] == -1
    assert w.next_state[0, MOVES.index("D")] == 2


def test_phi_is_one_hot_on_feature_cells():
    w = parse_world(["Sf", ".C"], FS)
    assert w.phi[1].tolist() == [1.0, 0.0]
    assert w.phi[3].tolist() == [0.0, 1.0]
    assert w.phi[0].sum() == 0 and w.phi[2].sum() == 0


@pytest.mark.parametrize(
    "rows, message",
    [
        (["S?", ".C"], "unknown symbol '?'"),
        (["SS", ".C"], "exactly one start"),
        (["..", ".C"], "exactly one start"),
        (["S..", ".C"], "different lengths"),
        (["S"], "sides must be"),
        (["S" + "." * 12, "." * 13], "sides must be"),
    ],
)
def test_malformed_grids_are_refused(rows, message):
    with pytest.raises(BankError, match=message):
        parse_world(rows, FS)


def test_follow_path_counts_features_and_ends_at_destination():
    w = parse_world(["Sff", "..C"], FS)
    walk = follow_path(w, "RRD", horizon=10)
    assert walk.states == (0, 1, 2, 5)
    assert walk.counts.tolist() == [2.0, 1.0]
    assert walk.ended_at_destination and is_complete(walk, horizon=10)


@pytest.mark.parametrize(
    "path, message",
    [
        ("L", "leaves the grid or enters a wall"),
        ("RR", "leaves the grid or enters a wall"),
        ("DRRU", "continues past a destination"),
        ("X", "not one of U, D, L, R"),
    ],
)
def test_invalid_paths_name_the_step(path, message):
    w = parse_world(["S.#", "..C"], FS)
    with pytest.raises(BankError, match=message):
        follow_path(w, path, horizon=10)


def test_path_longer_than_horizon_is_refused_and_horizon_walk_is_complete():
    w = parse_world(["S.", ".C"], FS)
    with pytest.raises(BankError, match="longer than the horizon"):
        follow_path(w, "RLR", horizon=2)
    walk = follow_path(w, "RL", horizon=2)
    assert not walk.ended_at_destination and is_complete(walk, horizon=2)
    assert not is_complete(follow_path(w, "R", horizon=2), horizon=2)


def test_reachable_stops_at_walls_and_destinations():
    w = parse_world(["SC.", "##."], FS)
    seen = reachable(w)
    assert seen[0] and seen[1]
    assert not seen[2]  # only reachable through the café, which ends the walk


def test_feature_symbols_must_be_free():
    with pytest.raises(BankError):
        Feature("x", "#", "wall-like", False)
    with pytest.raises(BankError, match="duplicate feature symbol"):
        FeatureSet((Feature("a", "a", "A", False), Feature("b", "a", "B", False)))
    assert np.all([len(f.symbol) == 1 for f in CATALOGUE])
