"""Rendering: deterministic PNGs, readable sizes, step-by-step replay, prompt text, hashes."""

from __future__ import annotations

import io
import math
import re
import struct
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from hhvalues.core.bank import Bank, Truth, load_bank, publish
from hhvalues.core.features import CATALOGUE, FeatureSet
from hhvalues.core.probes import ProbeKind
from hhvalues.core.render import (
    CELL,
    DESTINATION_COLOURS,
    PATH_COLOURS,
    TERRAIN_COLOURS,
    _badge_spots,
    _centre,
    _layout,
    describe_probe,
    feature_colours,
    item_stimulus,
    render_demo_png,
    render_item_text,
    render_legend_png,
    render_predict_png,
    render_world_text,
    stimulus_hash,
    walk_marks,
)
from hhvalues.core.world import follow_path, parse_world
from hhvalues.errors import BankError

TINY = Path(__file__).parents[2] / "data" / "examples" / "tiny_bank.json"
ASSETS = Path(__file__).parents[3] / "assets"
DEMO_BANK = Path(__file__).parents[3] / "data" / "banks" / "demo.json"
FULL = FeatureSet(CATALOGUE)
GRID_12 = (
    "S..f..#..ff.",
    ".##f..#..ff.",
    "..cc....p...",
    ".#....g.g..L",
    ".#.kk...g...",
    ".....#..t...",
    "C...##..t...",
    "..ppp...t..P",
    ".........#..",
    "..f..ggg.#..",
    "#....B......",
    "...H.....c.G",
)
PATH_12 = "RRRDDDRRRDDRRRDRDDDDDR"
GRID_9 = (
    "S..f....#",
    ".##f..#..",
    "..cc....p",
    ".#....g.g",
    ".#.kk...L",
    ".....#..t",
    "C...##..t",
    "..ppp...t",
    "....B....",
)
PATH_9 = "RRRDDDRRRDRR"


@pytest.fixture(scope="module")
def bank() -> Bank:
    """The tiny hand-made bank of tests/data/examples."""
    return load_bank(TINY)


def _rgb(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def _chunks(png: bytes) -> list[bytes]:
    out, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        out.append(png[pos + 4 : pos + 8])
        pos += 12 + length
    return out


# --- images -----------------------------------------------------------------------------------


def test_demo_png_is_deterministic_decodable_and_has_no_metadata() -> None:
    first = render_demo_png(FULL, GRID_12, PATH_12, horizon=30)
    assert render_demo_png(FULL, GRID_12, PATH_12, horizon=30) == first
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(io.BytesIO(first))
    img.load()
    assert img.format == "PNG"
    assert set(_chunks(first)) <= {b"IHDR", b"PLTE", b"IDAT", b"IEND"}


@pytest.mark.parametrize(
    ("grid", "path"),
    [
        (("S.pC", ".#..", "fffL"), "DDRRR"),
        (GRID_9, PATH_9),
        (GRID_12, PATH_12),
    ],
)
def test_width_is_readable_and_bounded(grid: tuple[str, ...], path: str) -> None:
    width, height = _rgb(render_demo_png(FULL, grid, path, horizon=30)).size
    assert len(grid[0]) * CELL < width <= 1460  # small enough for two or three side by side
    assert height - len(grid) * CELL == width - len(grid[0]) * CELL  # square cells


def test_upto_gives_one_distinct_image_per_step_and_full_at_the_end(bank: Bank) -> None:
    demo = bank.item("i1").demos[0]
    steps = [
        render_demo_png(bank.features, demo.grid, demo.path, horizon=12, upto=k)
        for k in range(len(demo.path) + 1)
    ]
    assert len(set(steps)) == len(steps)
    assert steps[-1] == render_demo_png(bank.features, demo.grid, demo.path, horizon=12)
    with pytest.raises(ValueError, match="upto"):
        render_demo_png(bank.features, demo.grid, demo.path, horizon=12, upto=len(demo.path) + 1)


def test_path_and_feature_cells_are_drawn_in_their_colours(bank: Bank) -> None:
    demo = bank.item("i1").demos[0]  # S.pC / .#.. / fffL walked DDRRR
    fs = bank.features
    world = parse_world(demo.grid, fs)
    states = follow_path(world, demo.path, horizon=12).states
    lay = _layout(world, CELL)
    (x0, y0), (x1, y1) = _centre(lay, world, states[2]), _centre(lay, world, states[3])
    on_line = (round(x0 + (x1 - x0) * 0.4), round(y0 + (y1 - y0) * 0.4))
    full = _rgb(render_demo_png(fs, demo.grid, demo.path, horizon=12))
    before = _rgb(render_demo_png(fs, demo.grid, demo.path, horizon=12, upto=2))
    fills = dict(zip(fs.ids, feature_colours(fs), strict=True))
    assert full.getpixel(on_line) == PATH_COLOURS["demo"]
    assert before.getpixel(on_line) == fills["flowers"]  # step 3 not walked yet: bare flower bed
    puddle_corner = (lay.left + round(2.85 * lay.cell), lay.top + round(0.85 * lay.cell))
    assert full.getpixel(puddle_corner) == fills["puddle"]


def test_text_matches_a_plain_pillow_rendering(bank: Bank) -> None:
    demo = bank.item("i1").demos[0]
    world = parse_world(demo.grid, bank.features)
    lay = _layout(world, CELL)
    ours = _rgb(render_demo_png(bank.features, demo.grid, demo.path, horizon=12))
    ref = Image.new("L", ours.size, 255)
    font = ImageFont.truetype(
        str(ASSETS / "fonts" / "DejaVuSans.ttf"), 13, layout_engine=ImageFont.Layout.BASIC
    )
    xy = (lay.left - 5, lay.top + lay.cell // 2)  # the row number "0" left of the grid
    ImageDraw.Draw(ref).text(xy, "0", fill=0, font=font, anchor="rm")
    box = (0, lay.top, lay.left - 1, lay.top + lay.cell)
    pairs = list(
        zip(ref.crop(box).get_flattened_data(), ours.crop(box).get_flattened_data(), strict=True)
    )
    # coverage is cut into 4 levels: near-full coverage is the axis grey, near-none is paper
    assert sum(r <= 31 for r, _ in pairs) > 10
    assert all(o == (120, 120, 120) for r, o in pairs if r <= 31)
    assert all(o == (255, 255, 255) for r, o in pairs if r >= 224)
    assert any(o not in {(120, 120, 120), (255, 255, 255)} for _, o in pairs)  # soft edges


def test_legend_shows_exactly_the_features_present(bank: Bank) -> None:
    fs = bank.features
    fills = feature_colours(fs)
    assert len(set(fills)) == len(fills)  # a small bank: no colour used twice
    for present in ((0,), (0, 2), tuple(range(len(fs.features)))):
        colours = {c for _, c in _rgb(render_legend_png(fs, present)).getcolors(4096)}
        for i, rgb in enumerate(fills):
            assert (rgb in colours) == (i in present), (present, i)


def test_paths_are_in_the_legend_only_when_asked(bank: Bank) -> None:
    plain = {c for _, c in _rgb(render_legend_png(bank.features, (0,))).getcolors(4096)}
    paths = {c for _, c in _rgb(render_legend_png(bank.features, (0,), paths=True)).getcolors(4096)}
    assert PATH_COLOURS["A"] not in plain and PATH_COLOURS["A"] in paths


def test_a_page_without_questions_has_no_predict_maps_and_no_paths_in_its_legend() -> None:
    """A hypothesis-only page shows the walks and a legend of what they show: no predict map,
    no path A or B, no feature that only a predict map has."""
    demo = load_bank(DEMO_BANK)
    item = next(i for i in demo.items if any(p.kind.shows_paths for p in i.probes))
    full, bare = item_stimulus(demo, item), item_stimulus(demo, item, questions=False)
    n = len(item.demos)
    assert bare.images == full.images[:n] and bare.texts == full.texts
    assert "path A" in full.alts[-1] and "path A" not in bare.alts[-1]
    walked = {c for g in (d.grid for d in item.demos) for row in g for c in row}
    fs = demo.features
    present = tuple(i for i, f in enumerate(fs) if f.symbol in walked)
    marks = walk_marks(demo, item)
    assert bare.legend == render_legend_png(fs, present, demo=True, paths=False, marks=marks)
    colours = {c for _, c in _rgb(bare.legend).getcolors(4096)}
    assert PATH_COLOURS["A"] not in colours


# Machado, Oliveira and Fernandes (2009), severity 1: protanopia, deuteranopia, tritanopia.
_CVD = {
    "protan": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deutan": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritan": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
    "none": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
}


def _lab(rgb: tuple[int, int, int], matrix: tuple[tuple[float, ...], ...]) -> tuple[float, ...]:
    import numpy as np

    c = np.asarray(rgb) / 255
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    lin = np.clip(np.asarray(matrix) @ lin, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    t = (xyz @ lin) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return (116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2]))


def test_palette_stays_distinguishable_with_colour_vision_deficiencies() -> None:
    """Every pair of fills (terrain, destinations, ground, wall) and path colours stays at
    least 12 CIELAB units apart under each simulated deficiency (letters are a second cue)."""
    import itertools
    import math

    hexes = [*TERRAIN_COLOURS, *DESTINATION_COLOURS]
    colours = [tuple(int(h[i : i + 2], 16) for i in (1, 3, 5)) for h in hexes]
    colours += [(246, 243, 236), (70, 70, 70), PATH_COLOURS["A"], PATH_COLOURS["B"]]
    worst = min(
        math.dist(_lab(a, m), _lab(b, m))
        for m in _CVD.values()
        for a, b in itertools.combinations(colours, 2)
    )
    assert worst >= 12, worst


def test_step_numbers_sit_inside_their_cells_and_never_on_the_start(bank: Bank) -> None:
    grid = ("....", ".S..", "....")
    fs = bank.features
    world = parse_world(grid, fs)
    path = "RLLRURDD"  # back through the start twice
    states = follow_path(world, path, horizon=20).states
    lay = _layout(world, CELL)
    spots = _badge_spots(states, world, lay)  # one number per cell entered: its last visit
    rad = 0.21 * CELL
    sx, sy = _centre(lay, world, world.start)
    assert len(spots) == len(set(states[1:]))
    for i, x, y, _ in spots:
        s = states[i]
        r, c = world.coords(s)
        left, top = lay.left + c * CELL, lay.top + r * CELL
        assert left <= x - rad + 1 and x + rad <= left + CELL + 1
        assert top <= y - rad + 1 and y + rad <= top + CELL + 1
        if s == world.start:
            assert math.dist((x, y), (sx, sy)) >= rad + 0.2 * CELL
    ring = (246, 243, 236)  # inside the start ring stays bare ground
    full = _rgb(render_demo_png(fs, grid, path, horizon=20))
    assert full.getpixel((round(sx), round(sy))) == ring


def test_every_image_has_the_words_a_model_reads_as_its_text_alternative(bank: Bank) -> None:
    for item in bank.items:
        stim = item_stimulus(bank, item)
        assert len(stim.alts) == len(stim.images) + 1 and stim.legend
        text = render_item_text(bank, item)
        for alt in stim.alts[: len(item.demos)]:
            assert alt in text  # the same lines, from the same functions
        for alt in stim.alts[len(item.demos) : -1]:
            assert alt.split("\n", 1)[1] in text
        assert stim.alts[-1].startswith("Legend of the maps: ")


def test_drawing_caches_never_change_the_bytes() -> None:
    from hhvalues.core import render

    def clear() -> None:
        for fn in (render._text_tile, render._palette, render._blends, render._chrome, render._fit):
            fn.cache_clear()

    same_size = ("S.pC", ".#..", "fffL"), ("S.gH", ".#..", "kkkG")  # same shape, other features
    clear()
    alone = render_demo_png(FULL, same_size[1], "DDRRR", horizon=9)
    render_demo_png(FULL, same_size[0], "DDRRR", horizon=9)
    render_predict_png(FULL, same_size[0], ("DDRRR", "RRR"), horizon=9)
    assert render_demo_png(FULL, same_size[1], "DDRRR", horizon=9) == alone


def test_every_catalogue_feature_fits_the_palette() -> None:
    img = _rgb(render_predict_png(FULL, GRID_12, (PATH_12, "RRRDDDRRRDDRRRDRRD"), horizon=30))
    colours = {c for _, c in img.getcolors(1 << 16)}
    for f, rgb in zip(CATALOGUE, feature_colours(FULL), strict=True):
        assert rgb in colours, f.id


def test_predict_shows_both_paths_and_swapping_changes_the_image(bank: Bank) -> None:
    probe = bank.item("i1").probe("p3")
    ab = render_predict_png(bank.features, probe.grid, probe.options, horizon=12)
    ba = render_predict_png(bank.features, probe.grid, probe.options[::-1], horizon=12)
    assert ab != ba
    assert ab == render_predict_png(bank.features, probe.grid, probe.options, horizon=12)
    counts = {c: n for n, c in _rgb(ab).getcolors(1 << 16)}
    assert counts.get(PATH_COLOURS["A"], 0) > 200
    assert counts.get(PATH_COLOURS["B"], 0) > 200


def test_invalid_input_is_refused(bank: Bank) -> None:
    demo = bank.item("i1").demos[0]
    with pytest.raises(BankError):
        render_demo_png(bank.features, demo.grid, "UU", horizon=12)
    with pytest.raises(ValueError, match="cell"):
        render_demo_png(bank.features, demo.grid, demo.path, horizon=12, cell=10)


# --- text -------------------------------------------------------------------------------------


def test_item_text_ignores_truth_entirely(bank: Bank) -> None:
    public = publish(bank)
    for item, bare in zip(bank.items, public.items, strict=True):
        text = render_item_text(bank, item)
        assert text == render_item_text(public, bare)
        other = Truth(
            {k: -v for k, v in item.truth.weights.items()},
            9.5,
            {k: "B" if v == "A" else "A" for k, v in item.truth.answers.items()},
        )
        assert render_item_text(bank, replace(item, truth=other)) == text
        for word in ("truth", "weight", "rationality", "answer is", "correct"):
            assert word not in text.lower()
        for w in item.truth.weights.values():
            if w < 0:
                assert f"{w:g}" not in text
        assert "9.5" not in text and item.split.value not in text.split()


def test_item_text_coordinates_match_follow_path(bank: Bank) -> None:
    for item in bank.items:
        text = render_item_text(bank, item)
        cells = [m.group(1) for m in re.finditer(r"^Cells: (.*)$", text, re.M)]
        moves = re.findall(r"^Moves \(\d+\): (.*)$", text, re.M)
        assert len(cells) == len(moves) == len(item.demos)
        for demo, line, move_line in zip(item.demos, cells, moves, strict=True):
            world = parse_world(demo.grid, bank.features)
            states = follow_path(world, demo.path, horizon=bank.model.horizon).states
            got = [tuple(int(v) for v in pair) for pair in re.findall(r"\((\d+), (\d+)\)", line)]
            assert got == [world.coords(s) for s in states]
            assert move_line.replace(" ", "") == demo.path


def test_item_text_spells_out_every_probe(bank: Bank) -> None:
    text = render_item_text(bank, bank.item("i1"))
    assert "Each cell" in text and "C = café (destination" in text and "f = flower beds" in text
    assert "  A: seeks out flower beds\n  B: avoids flower beds" in text
    assert "  A: values café more than library\n  B: values library more than café" in text
    assert "     0 1 2 3\n 0   S . f L\n 1   p # . .\n 2   C . . ." in text  # the predict grid
    assert re.search(
        r"Path A: through 1 cell of puddles to the café, 2 moves\n    Moves \(2\): D D\n    Cells: \(0, 0\) -> "
        r"\(1, 0\) -> \(2, 0\)",
        text,
    )
    assert re.search(
        r"Path B: through 1 cell of flower beds to the library, 3 moves\n    Moves \(3\): R R R",
        text,
    )
    for probe in bank.item("i1").probes:
        assert f"Question {probe.id}:" in text


def test_item_text_order_swaps_sides_and_rejects_nonsense(bank: Bank) -> None:
    item = bank.item("i1")
    swapped = render_item_text(bank, item, order={"p1": ("B", "A"), "p3": ("B", "A")})
    assert "  A: avoids flower beds\n  B: seeks out flower beds" in swapped
    assert re.search(
        r"Path A: through 1 cell of flower beds to the library, 3 moves\n    Moves \(3\): R R R",
        swapped,
    )
    assert "  A: values café more than library" in swapped  # p2 left as it is
    with pytest.raises(ValueError, match="order"):
        render_item_text(bank, item, order={"p1": ("A", "A")})


def test_describe_probe_words(bank: Bank) -> None:
    item = bank.item("i1")
    kinds = {p.kind: describe_probe(bank.features, p) for p in item.probes}
    assert kinds[ProbeKind.SIGN] == ("seeks out flower beds", "avoids flower beds")
    assert kinds[ProbeKind.COMPARE] == (
        "values café more than library",
        "values library more than café",
    )
    a, b = kinds[ProbeKind.PREDICT]
    assert a == "through 1 cell of puddles to the café, 2 moves"
    assert b == "through 1 cell of flower beds to the library, 3 moves"


def test_predict_options_say_what_a_reader_can_check_on_the_map() -> None:
    from hhvalues.core.probes import Probe

    grid = ("S.p.C", ".....", "....L")
    fs = FeatureSet(tuple(f for f in CATALOGUE if f.id in ("puddle", "cafe", "library")))
    around = Probe("p", ProbeKind.PREDICT, (), grid, ("DRRRRU", "RRRR"))
    assert describe_probe(fs, around) == (
        "around the puddles to the café, 6 moves",
        "through 1 cell of puddles to the café, 4 moves",
    )
    plain = ("S...", "....", "...L")
    ties = Probe("q", ProbeKind.PREDICT, (), plain, ("RRRDD", "DDRRR"))
    assert describe_probe(fs, ties) == (  # the same words: how each sets off
        "to the library, 5 moves, setting off right",
        "to the library, 5 moves, setting off down",
    )
    twins = Probe("r", ProbeKind.PREDICT, (), plain, ("RDDRR", "RRRDD"))
    assert describe_probe(fs, twins) == (  # and setting off alike: every move
        "to the library, 5 moves (right 1, down 2, right 2)",
        "to the library, 5 moves (right 3, down 2)",
    )


def test_world_text_has_legend_of_present_symbols_and_numbered_grid() -> None:
    text = render_world_text(FULL, ("S.f", ".#C"))
    assert "f = flower beds (terrain: walked through)" in text
    assert "C = café (destination: a walk ends on entering it)" in text
    assert "lawn" not in text and "library" not in text
    assert text.endswith("     0 1 2\n 0   S . f\n 1   . # C")
    wide = render_world_text(FULL, GRID_12).splitlines()
    assert wide[-13].split() == [str(c) for c in range(12)]
    assert wide[-1].split() == ["11", *GRID_12[-1]]


# --- stimulus identity ------------------------------------------------------------------------


def test_stimulus_hash_is_stable_and_order_sensitive() -> None:
    h = stimulus_hash([b"img1", b"img2"], ["a", "b"])
    assert re.fullmatch(r"[0-9a-f]{64}", h)
    assert stimulus_hash([b"img1", b"img2"], ["a", "b"]) == h
    assert stimulus_hash([b"img2", b"img1"], ["a", "b"]) != h
    assert stimulus_hash([b"img1", b"img2"], ["b", "a"]) != h
    assert stimulus_hash([b"ab"], []) != stimulus_hash([b"a", b"b"], [])
    assert stimulus_hash([b"x"], []) != stimulus_hash([], ["x"])
    assert stimulus_hash([], ["ab", ""]) != stimulus_hash([], ["a", "b"])


def test_stimulus_hash_changes_when_any_byte_of_a_png_changes(bank: Bank) -> None:
    demo = bank.item("i1").demos[0]
    png = render_demo_png(bank.features, demo.grid, demo.path, horizon=12)
    base = stimulus_hash([png], ["seeks out flower bed"])
    for pos in range(0, len(png), max(1, len(png) // 257)):
        flipped = png[:pos] + bytes([png[pos] ^ 1]) + png[pos + 1 :]
        assert stimulus_hash([flipped], ["seeks out flower bed"]) != base
    assert stimulus_hash([png], ["seeks out flower bee"]) != base


@given(
    st.lists(st.binary(max_size=6), max_size=3),
    st.lists(st.text(max_size=4), max_size=3),
    st.lists(st.binary(max_size=6), max_size=3),
    st.lists(st.text(max_size=4), max_size=3),
)
def test_stimulus_hash_separates_different_stimuli(
    i1: list[bytes], t1: list[str], i2: list[bytes], t2: list[str]
) -> None:
    same = (i1, t1) == (i2, t2)
    assert (stimulus_hash(i1, t1) == stimulus_hash(i2, t2)) == same


def test_item_stimulus_is_what_is_displayed(bank: Bank) -> None:
    item = bank.item("i1")
    shown = item_stimulus(bank, item)
    assert len(shown.images) == len(item.demos) + 1
    assert shown.images[0] == render_demo_png(
        bank.features, item.demos[0].grid, item.demos[0].path, horizon=12
    )
    assert shown.texts[:2] == describe_probe(bank.features, item.probe("p1"))
    swapped = item_stimulus(bank, item, order={"p3": ("B", "A")})
    assert swapped.images[-1] != shown.images[-1] and swapped.texts[4:] == shown.texts[4:][::-1]
    assert stimulus_hash(swapped.pictures, swapped.texts) != stimulus_hash(
        shown.pictures, shown.texts
    )
    again = item_stimulus(bank, item)
    assert stimulus_hash(again.pictures, again.texts) == stimulus_hash(shown.pictures, shown.texts)
    assert shown.pictures[-1] == shown.legend  # the legend is part of what is hashed


def test_empty_and_back_and_forth_walks_render() -> None:
    png = render_demo_png(FULL, ("S.", ".C"), "", horizon=5)
    assert _rgb(png).size[0] >= 2 * CELL
    assert png != render_demo_png(FULL, ("S.", ".C"), "R", horizon=5)
    wander = [
        render_demo_png(FULL, ("S..", "..C"), "RLRLRL"[:k], horizon=9, upto=k) for k in range(7)
    ]
    assert len(set(wander)) == 7  # every re-crossing of the same edge adds something visible
