"""The shallow strategies the audit measures, each on a hand-made item."""

from hhvalues.core.bank import Bank, Demonstration, Item, Model, Split
from hhvalues.core.features import CATALOGUE, EXIT, FeatureSet
from hhvalues.core.heuristics import HEURISTICS, heuristic_choices, nearest_destinations
from hhvalues.core.probes import Probe, ProbeKind
from hhvalues.core.world import parse_world

FS = FeatureSet(
    (*tuple(f for f in CATALOGUE if f.id in ("puddle", "traffic", "cafe", "library")), EXIT)
)
BANK = Bank("h", "1", 0, FS, -0.5, Model(horizon=20), ())
# The walk goes around the puddles to the far café, passing the library.
DEMO = Demonstration(("S..pC", "...p.", "L....", "..t..", "....E"), "RRDRRU")
PREDICT = Probe("x", ProbeKind.PREDICT, grid=("S.ppC", "t....", "L...E"), options=("RRRR", "D"))
ITEM = Item(
    "i",
    Split.TEST,
    (DEMO,),
    (
        Probe("s1", ProbeKind.SIGN, ("cafe",)),
        Probe("s2", ProbeKind.SIGN, ("library",)),
        Probe("c1", ProbeKind.COMPARE, ("cafe", "library")),
        Probe("c2", ProbeKind.COMPARE, ("puddle", "traffic")),
        PREDICT,
    ),
)


def test_every_heuristic_answers_every_probe_or_abstains():
    for name in HEURISTICS:
        out = heuristic_choices(BANK, ITEM, name)
        assert set(out) == {p.id for p in ITEM.probes}
        assert set(out.values()) <= {"A", "B", None}


def test_visited_means_liked():
    out = heuristic_choices(BANK, ITEM, "visited")
    assert out["s1"] == "A" and out["s2"] == "B" and out["c1"] == "A"
    assert out["c2"] == "A"  # puddles entered once, busy roads never
    assert out["x"] == "A"  # through the visited puddles to the visited café


def test_ended_nearest_shorter_avoid_terrain_and_resemble():
    assert heuristic_choices(BANK, ITEM, "ended") == {
        "s1": "A",
        "s2": "B",
        "c1": "A",
        "c2": None,
        "x": "A",
    }
    world = parse_world(DEMO.grid, FS)
    assert [FS.features[k].id for k in nearest_destinations(world)] == ["library"]
    assert heuristic_choices(BANK, ITEM, "nearest")["s2"] == "A"
    assert heuristic_choices(BANK, ITEM, "nearest")["x"] == "B"  # the library is one move away
    assert heuristic_choices(BANK, ITEM, "shorter") == {
        "s1": None,
        "s2": None,
        "c1": None,
        "c2": None,
        "x": "B",
    }
    assert heuristic_choices(BANK, ITEM, "avoid_terrain")["x"] == "B"
    assert heuristic_choices(BANK, ITEM, "resemble")["x"] == "A"
    assert set(heuristic_choices(BANK, ITEM, "always_a").values()) == {"A"}
