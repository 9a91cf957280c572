"""Rendering of worlds, walks and items: deterministic PNG images and plain text for prompts.

Participants and models see the same stimulus: the participant app shows the exact PNG bytes made
here, the model harness sends the same PNGs and/or :func:`render_item_text`, and both store
:func:`stimulus_hash` of what was shown. Nothing here reads ``item.truth``.

Coordinates
    ``(row, column)`` from ``(0, 0)`` at the top-left corner, as :meth:`World.coords`; images
    label their axes the same way.
Maps and legend
    A map is the grid and its walk (or a predict probe's two paths) with numbered axes and no
    legend, small enough to show two or three side by side; an item has one legend image for
    all its maps (:func:`render_legend_png`). Every image has a text alternative taken from
    :mod:`hhvalues.core.render_text`, the words a model reads (``ItemStimulus.alts``).
Colours
    Fixed colour-vision-safe palettes (:data:`TERRAIN_COLOURS`, :data:`DESTINATION_COLOURS`,
    chosen so every pair stays apart under simulated protanopia, deuteranopia and tritanopia);
    a feature's colour follows its place among the bank's terrain or destination features, and
    its letter is drawn in every cell, so colour is never the only cue. A bank's own ``colour``
    field is kept in the file for other tools but not used for participants.
Determinism
    Same inputs, same bytes: fonts ship in ``assets/fonts`` (DejaVu Sans, Bitstream Vera licence),
    text uses Pillow's basic layout engine, PNGs carry no metadata chunks. Images are palette PNGs
    with a palette fixed by the bank's feature colours (4 anti-aliasing levels for text), which
    keeps a 12x12 demonstration under 10 ms to draw and encode.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import NamedTuple

from PIL import Image, ImageDraw, ImageFont

from hhvalues.core.bank import Bank, Item
from hhvalues.core.features import FeatureSet
from hhvalues.core.render_text import (
    demo_lines,
    describe_probe,
    option_sides,
    predict_lines,
    probe_question,
    question_words,
    render_item_text,
    render_world_text,
)
from hhvalues.core.world import World, follow_path, parse_world

__all__ = [
    "CELL",
    "DESTINATION_COLOURS",
    "PATH_COLOURS",
    "TERRAIN_COLOURS",
    "ItemStimulus",
    "describe_probe",
    "feature_colours",
    "item_stimulus",
    "legend_entries",
    "page_stimulus_hash",
    "probe_question",
    "question_words",
    "render_demo_png",
    "render_item_text",
    "render_legend_png",
    "render_predict_png",
    "render_world_text",
    "stimulus_hash",
    "walk_marks",
]

Rgb = tuple[int, int, int]
Segment = tuple[float, float, float, float]
CELL = 40
"""Default cell side in pixels: a 7×7 map is ~330 px wide, so three fit side by side."""
TERRAIN_COLOURS = ("#88ccee", "#ddcc77", "#aa4499", "#ffaabb", "#cceeff")
"""Terrain fills in the order of the bank's terrain features (then again from the first)."""
DESTINATION_COLOURS = ("#cc79a7", "#009e73", "#e69f00", "#332288", "#117733")
"""Destination fills in the order of the bank's destination features."""
PATH_COLOURS: dict[str, Rgb] = {"demo": (20, 20, 20), "A": (0, 94, 184), "B": (213, 94, 0)}
"""Line colours: a demonstration's walk, predict option A (solid) and B (dashed)."""
_FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"
_BG, _INK, _GRIDLINE, _WALL = (255, 255, 255), (34, 34, 34), (200, 196, 186), (70, 70, 70)
_EMPTY, _WHITE, _GREY = (246, 243, 236), (255, 255, 255), (120, 120, 120)
_START = (0, 120, 50)
_STIMULUS_TAG = b"hhvalues-stimulus/1\x00"
_LEVELS = 4  # anti-aliasing levels of text on palette images
_LEVEL_OF = bytes(round(v * _LEVELS / 255) for v in range(256))  # coverage → level
_MASK_OF = bytes([0, *[255] * 255])  # level → paste mask
_REPEAT_NOTCH, _REPEAT_AT = (0, 1, -1, 2, -2), (0.5, 0.2, 0.8)  # re-crossed edges


class ItemStimulus(NamedTuple):
    """What a respondent is shown for an item, in display order."""

    images: tuple[bytes, ...]
    """The full demonstration maps, then one map per predict probe (PNG)."""
    texts: tuple[str, ...]
    """Option texts of every probe: A then B, probe by probe."""
    legend: bytes = b""
    """One legend for every map of the item (PNG)."""
    alts: tuple[str, ...] = ()
    """Text alternative of each image, then of the legend: the words a model reads."""
    still_legend: bytes = b""
    """The legend without the replay's marks (the person standing on a cell): what a model,
    which sees no replay, is sent in place of ``legend``. Not part of :attr:`pictures`."""

    @property
    def pictures(self) -> tuple[bytes, ...]:
        """Every image shown, the legend last: what :func:`stimulus_hash` covers."""
        return (*self.images, self.legend) if self.legend else self.images


class _Layout(NamedTuple):
    cell: int  # pixels per cell side
    left: int  # x of the grid's left edge
    top: int  # y of the grid's top edge
    width: int
    height: int


@lru_cache(maxsize=64)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(str(_FONT_DIR / name), size, layout_engine=ImageFont.Layout.BASIC)
    except OSError:  # assets not shipped alongside (e.g. a wheel install): Pillow's own font
        return ImageFont.load_default(size=size)  # type: ignore[return-value]


class _Pen(NamedTuple):
    """An image being drawn, its draw handle and its fixed palette (rgb → index)."""

    img: Image.Image
    draw: ImageDraw.ImageDraw
    inks: dict[Rgb, int]

    def ink(self, rgb: Rgb) -> int:
        return self.inks[rgb]

    def text(
        self,
        xy: tuple[float, float],
        text: str,
        *,
        fg: Rgb,
        bg: Rgb,
        size: int,
        bold: bool = False,
        anchor: str = "la",
    ) -> None:
        blends = tuple(self.inks[c] for c in _blends(fg, bg))
        left, top, tile, mask = _text_tile(text, size, bold, anchor, blends)
        self.img.paste(tile, (round(xy[0]) + left, round(xy[1]) + top), mask)


@lru_cache(maxsize=256)
def _blends(fg: Rgb, bg: Rgb) -> tuple[Rgb, ...]:
    """Colours of text coverage levels 1.._LEVELS of ``fg`` over ``bg``."""
    mix = [k / _LEVELS for k in range(1, _LEVELS + 1)]
    return tuple(
        (
            round(fg[0] * a + bg[0] * (1 - a)),
            round(fg[1] * a + bg[1] * (1 - a)),
            round(fg[2] * a + bg[2] * (1 - a)),
        )
        for a in mix
    )


@lru_cache(maxsize=4096)
def _text_tile(
    text: str, size: int, bold: bool, anchor: str, blends: tuple[int, ...]
) -> tuple[int, int, Image.Image, Image.Image]:
    """Draw text once into a palette tile (coverage cut into levels) and its mask."""
    font = _font(size, bold)
    left, top, right, bottom = (int(v) for v in font.getbbox(text, anchor=anchor))
    coverage = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(coverage).text((-left, -top), text, fill=255, font=font, anchor=anchor)
    level = coverage.tobytes().translate(_LEVEL_OF)
    tile = level.translate(bytes([0, *blends, *[0] * (255 - _LEVELS)]))
    return (
        left,
        top,
        Image.frombytes("P", coverage.size, tile),
        Image.frombytes("L", coverage.size, level.translate(_MASK_OF)),
    )


def feature_colours(features: FeatureSet) -> tuple[Rgb, ...]:
    """The fill of each feature, in the bank's order: terrain and destinations each take the
    next colour of their own colour-vision-safe palette."""
    seen = {False: 0, True: 0}
    out: list[Rgb] = []
    for f in features:
        palette = DESTINATION_COLOURS if f.terminal else TERRAIN_COLOURS
        out.append(_hex(palette[seen[f.terminal] % len(palette)]))
        seen[f.terminal] += 1
    return tuple(out)


@lru_cache(maxsize=64)
def _palette(feature_rgbs: tuple[Rgb, ...]) -> dict[Rgb, int]:
    """Give every colour an image can use an index, in a fixed order: plain, then text blends."""
    colours = [
        _BG,
        _INK,
        _GRIDLINE,
        _WALL,
        _EMPTY,
        _WHITE,
        _GREY,
        _START,
        *PATH_COLOURS.values(),
        *feature_rgbs,
    ]
    pairs = [
        (_GREY, _BG),
        (_INK, _BG),
        *((_WHITE, c) for c in PATH_COLOURS.values()),
        *((_text_on(c), c) for c in feature_rgbs),
    ]
    for fg, bg in pairs:
        colours += _blends(fg, bg)
    inks: dict[Rgb, int] = {}
    for c in colours:
        inks.setdefault(c, len(inks))
    if len(inks) > 256:
        raise ValueError(f"too many colours for one image ({len(inks)})")
    return inks


def _new_pen(features: FeatureSet, size: tuple[int, int]) -> _Pen:
    inks = _palette(feature_colours(features))
    img = Image.new("P", size, 0)
    img.putpalette([v for rgb in inks for v in rgb])
    return _Pen(img, ImageDraw.Draw(img), inks)


def _start_pen(features: FeatureSet, world: World, cell: int) -> tuple[_Pen, _Layout]:
    """Start a map from a copy of its cached chrome (axes, empty grid)."""
    lay = _layout(world, cell)
    img = _chrome(features, lay, world.height, world.width).copy()
    return _Pen(img, ImageDraw.Draw(img), _palette(feature_colours(features))), lay


@lru_cache(maxsize=32)
def _chrome(features: FeatureSet, lay: _Layout, height: int, width: int) -> Image.Image:
    """Draw what depends neither on the cells nor on the walk: axes and the empty grid."""
    pen, cs = _new_pen(features, (lay.width, lay.height)), lay.cell
    size = max(11, min(14, cs // 3))
    for r in range(height):
        pen.text(
            (lay.left - 5, lay.top + (r + 0.5) * cs),
            str(r),
            fg=_GREY,
            bg=_BG,
            size=size,
            anchor="rm",
        )
    for c in range(width):
        pen.text(
            (lay.left + (c + 0.5) * cs, lay.top - 5),
            str(c),
            fg=_GREY,
            bg=_BG,
            size=size,
            anchor="ms",
        )
    right, bottom = lay.left + width * cs, lay.top + height * cs
    pen.draw.rectangle((lay.left, lay.top, right, bottom), fill=pen.ink(_EMPTY))
    for r in range(height + 1):
        pen.draw.line(
            (lay.left, lay.top + r * cs, right, lay.top + r * cs), fill=pen.ink(_GRIDLINE)
        )
    for c in range(width + 1):
        pen.draw.line(
            (lay.left + c * cs, lay.top, lay.left + c * cs, bottom), fill=pen.ink(_GRIDLINE)
        )
    return pen.img


def _hex(colour: str) -> Rgb:
    c = colour.lstrip("#")
    if len(c) != 6 or any(ch not in "0123456789abcdefABCDEF" for ch in c):
        return 153, 153, 153
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _text_on(rgb: Rgb) -> Rgb:
    return _INK if 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 150 else _WHITE


def _layout(world: World, cell: int) -> _Layout:
    if cell < 24:
        raise ValueError(f"cell must be at least 24 px, got {cell}")
    margin, axis = 6, 20
    width = axis + world.width * cell + 2 * margin
    height = axis + world.height * cell + 2 * margin
    return _Layout(cell, margin + axis, margin + axis, width, height)


def _centre(lay: _Layout, world: World, s: int) -> tuple[float, float]:
    r, c = world.coords(s)
    return lay.left + (c + 0.5) * lay.cell, lay.top + (r + 0.5) * lay.cell


def _mark_size(cs: int) -> int:
    return max(11, cs * 3 // 10)


def _draw_world(pen: _Pen, world: World, features: FeatureSet, lay: _Layout) -> None:
    cs, draw, fills = lay.cell, pen.draw, feature_colours(features)
    for s in (int(s) for s in (world.cell != -1).nonzero()[0]):  # walls and features
        r, c = world.coords(s)
        x, y, k = lay.left + c * cs, lay.top + r * cs, int(world.cell[s])
        fill = _WALL if k == -2 else fills[k]
        draw.rectangle((x, y, x + cs, y + cs), fill=pen.ink(fill), outline=pen.ink(_GRIDLINE))
        if k >= 0:
            f = features.features[k]
            if f.terminal:  # destinations get a dark frame
                draw.rectangle(
                    (x + 2, y + 2, x + cs - 2, y + cs - 2), outline=pen.ink(_INK), width=2
                )
            pen.text(
                (x + 4, y + 3), f.mark, fg=_text_on(fill), bg=fill, size=_mark_size(cs), bold=True
            )


def _draw_start(pen: _Pen, world: World, lay: _Layout) -> None:
    """The start ring, drawn over the walk's line so the line never hides it."""
    sx, sy = _centre(lay, world, world.start)
    rad, cs = lay.cell * _START_RING, lay.cell
    pen.draw.ellipse((sx - rad, sy - rad, sx + rad, sy + rad), fill=pen.ink(_EMPTY))
    pen.draw.ellipse(
        (sx - rad, sy - rad, sx + rad, sy + rad), outline=pen.ink(_START), width=max(3, cs // 12)
    )


_START_RING = 0.2  # start marker radius, in cells
_BADGE = 0.21  # step badge radius, in cells
# Where the n-th badge of one cell goes (offset from its centre, in cells): the centre first,
# then the corners; in the start cell only the corners, clear of the start ring.
_SPOTS = ((0.0, 0.0), (0.3, 0.3), (-0.3, 0.3), (0.3, -0.3), (-0.3, -0.3))
_BELOW = (0.1, 0.14)  # under a feature's letter (top left) and a "×n" tag (top right)


def _segments(states: Sequence[int], world: World, lay: _Layout, side: float) -> list[Segment]:
    """Give each step a line segment from cell centre to cell centre.

    Segments are offset sideways (predict: A by -1, B by +1 notch) and a walk that crosses an
    edge again is drawn beside its earlier crossing, so both crossings stay visible.
    """
    segs: list[Segment] = []
    used: dict[tuple[int, int], int] = {}
    for a, b in itertools.pairwise(states):
        key = (min(a, b), max(a, b))
        n = used[key] = used.get(key, -1) + 1
        off = (side * 0.13 + _REPEAT_NOTCH[n % 5] * 0.12) * lay.cell
        (x0, y0), (x1, y1) = _centre(lay, world, a), _centre(lay, world, b)
        dx, dy = (0.0, off) if y0 == y1 else (off, 0.0)
        segs.append((x0 + dx, y0 + dy, x1 + dx, y1 + dy))
    return segs


def _badge_spots(
    states: Sequence[int], world: World, lay: _Layout
) -> list[tuple[int, float, float, int]]:
    """(step, x, y, visits) of each numbered step: only the last visit to a cell is numbered,
    so numbers never pile up where a walk crosses itself (the replay shows every visit), with
    how many times the walk entered that cell. Never on the start ring."""
    last: dict[int, int] = {}
    visits: dict[int, int] = {}
    for i, s in enumerate(states[1:], start=1):
        last[s] = i
        visits[s] = visits.get(s, 0) + 1
    out = []
    for s, i in sorted(last.items(), key=lambda kv: kv[1]):
        tagged = visits[s] > 1 or world.cell[s] >= 0  # a "×n" tag or a letter on top
        spot = _SPOTS[1] if s == world.start else _BELOW if tagged else _SPOTS[0]
        x, y = _centre(lay, world, s)
        out.append((i, x + spot[0] * lay.cell, y + spot[1] * lay.cell, visits[s]))
    return out


_SMALLEST = 11
"""No text on a map is smaller than this (px): a phone shows maps at their own pixel size."""


def _draw_visits(pen: _Pen, x: float, y: float, cs: int, n: int, rgb: Rgb) -> None:
    """A small "×n" tag in the top-right corner of the cell centred on (x, y): the walk entered
    it n times (the top-left corner holds a feature's letter)."""
    size = max(_SMALLEST, cs * 7 // 25)
    w = pen.draw.textlength(f"×{n}", font=_font(size, True))
    tx, ty = x + cs / 2 - w / 2 - 4, y - cs / 2 + size / 2 + 3
    pen.draw.rectangle(
        (tx - w / 2 - 2, ty - size / 2 - 1, tx + w / 2 + 2, ty + size / 2 + 1), fill=pen.ink(rgb)
    )
    pen.text((tx, ty), f"×{n}", fg=_WHITE, bg=rgb, size=size, bold=True, anchor="mm")


def _draw_limit(pen: _Pen, x: float, y: float, cs: int, rgb: Rgb) -> None:
    """Box the cell where a walk was stopped by the step limit (the legend says what the box
    means; a word in the cell would have to be smaller than the 11 px of every map text)."""
    half = cs / 2 - 2
    pen.draw.rectangle((x - half, y - half, x + half, y + half), outline=pen.ink(rgb), width=3)


def _draw_line(pen: _Pen, segs: list[Segment], rgb: Rgb, w: int, dashed: bool) -> None:
    casing, ink = pen.ink(_WHITE), pen.ink(rgb)
    if not dashed:
        pts = [(segs[0][0], segs[0][1])] + [(s[2], s[3]) for s in segs]
        pen.draw.line(pts, fill=casing, width=w + 4, joint="curve")
        pen.draw.line(pts, fill=ink, width=w, joint="curve")
        return
    for x0, y0, x1, y1 in segs:
        dx, dy = x1 - x0, y1 - y0
        n = max(1, round((abs(dx) + abs(dy)) / 12))
        for t0, t1 in ((j / n, (j + 0.6) / n) for j in range(n)):
            p = (x0 + dx * t0, y0 + dy * t0, x0 + dx * t1, y0 + dy * t1)
            pen.draw.line(p, fill=casing, width=w + 4)
            pen.draw.line(p, fill=ink, width=w)


def _draw_badge(pen: _Pen, x: float, y: float, rad: float, text: str, rgb: Rgb, size: int) -> None:
    box = (x - rad, y - rad, x + rad, y + rad)
    pen.draw.ellipse(box, fill=pen.ink(rgb), outline=pen.ink(_WHITE), width=1)
    pen.text((x, y), text, fg=_WHITE, bg=rgb, size=size, bold=True, anchor="mm")


def _draw_arrow(pen: _Pen, seg: Segment, rgb: Rgb, size: float) -> None:
    x0, y0, x1, y1 = seg
    ux, uy = (x1 > x0) - (x1 < x0), (y1 > y0) - (y1 < y0)
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    bx, by = mx - ux * size * 0.6, my - uy * size * 0.6
    tri = [
        (mx + ux * size, my + uy * size),
        (bx - uy * size, by + ux * size),
        (bx + uy * size, by - ux * size),
    ]
    pen.draw.polygon(tri, fill=pen.ink(rgb), outline=pen.ink(_WHITE))


def _draw_walker(pen: _Pen, x: float, y: float, cs: float) -> None:
    """Draw a small person standing where the walk currently is."""
    h, ink, casing = cs * 0.3, pen.ink(_INK), pen.ink(_WHITE)
    pen.draw.ellipse(
        (x - h * 0.45, y - h * 1.25, x + h * 0.45, y - h * 0.35), fill=ink, outline=casing
    )
    pen.draw.rounded_rectangle(
        (x - h * 0.6, y - h * 0.3, x + h * 0.6, y + h * 1.1),
        radius=h * 0.4,
        fill=ink,
        outline=casing,
    )


LEGEND_KEYS: dict[str, str] = {
    "wall": "wall (cannot be entered)",
    "start": "start (green ring)",
    "demo": "the walk, moves numbered",
    "walker": "the person (in a replay)",
    "visits": "×n: cell entered n times",
    "limit": "boxed: stopped at the step limit",
    "A": "path A (blue, solid)",
    "B": "path B (orange, dashed)",
}
"""The legend's entries after the features, in the words of :func:`legend_lines`."""
_LEGEND_COL, _LEGEND_ROW, _SWATCH, _LEGEND_FONT = 262, 28, 22, 15


def legend_entries(
    features: FeatureSet,
    present: Sequence[int],
    *,
    demo: bool,
    paths: bool,
    replay: bool = True,
    marks: tuple[str, ...] = (),
) -> list[tuple[str, str]]:
    """(kind, words) of each legend entry: the features present, then the map's marks.

    ``replay``: the maps have a replay (participants), so the person standing on a cell is
    explained; a model sees no replay. ``marks``: "visits" and/or "limit" when some walk of the
    item enters a cell twice or stopped at the step limit."""
    entries = [
        (
            f"feature{i}",
            features.features[i].label
            + (" (destination)" if features.features[i].terminal else ""),
        )
        for i in sorted(present)
    ]
    walk = ("demo", *(("walker",) if replay else ()), *marks) if demo else ()
    keys = ["wall", "start", *walk, *(("A", "B") if paths else ())]
    return entries + [(k, LEGEND_KEYS[k]) for k in keys]


def render_legend_png(
    features: FeatureSet,
    present: Sequence[int],
    *,
    demo: bool = True,
    paths: bool = False,
    replay: bool = True,
    marks: tuple[str, ...] = (),
) -> bytes:
    """One legend for an item's maps: each feature present (fill and letter), wall, start, and
    the walk's marks (``demo``; ``replay`` and ``marks`` as :func:`legend_entries`) and predict
    paths A and B (``paths``); two columns."""
    entries = legend_entries(features, present, demo=demo, paths=paths, replay=replay, marks=marks)
    rows = -(-len(entries) // 2)
    pen = _new_pen(features, (2 * _LEGEND_COL + 8, rows * _LEGEND_ROW + 8))
    fills, sw, draw = feature_colours(features), _SWATCH, pen.draw
    for i, (kind, label) in enumerate(entries):
        x, y = 4 + (i // rows) * _LEGEND_COL, 4 + (i % rows) * _LEGEND_ROW
        if kind.startswith("feature"):
            f = features.features[int(kind[7:])]
            rgb = fills[int(kind[7:])]
            draw.rectangle(
                (x, y, x + sw, y + sw),
                fill=pen.ink(rgb),
                outline=pen.ink(_INK if f.terminal else _GRIDLINE),
                width=1 + f.terminal,
            )
            pen.text(
                (x + sw / 2, y + sw / 2),
                f.mark,
                fg=_text_on(rgb),
                bg=rgb,
                size=13,
                bold=True,
                anchor="mm",
            )
        elif kind == "wall":
            draw.rectangle((x, y, x + sw, y + sw), fill=pen.ink(_WALL))
        elif kind == "start":
            draw.ellipse((x + 4, y + 4, x + sw - 4, y + sw - 4), outline=pen.ink(_START), width=3)
        elif kind == "walker":
            _draw_walker(pen, x + sw / 2, y + sw / 2 + 1, sw * 1.4)
        elif kind == "visits":
            _draw_visits(pen, x + sw / 2, y + sw / 2, sw, 2, _INK)
        elif kind == "limit":
            _draw_limit(pen, x + sw / 2, y + sw / 2, sw + 4, PATH_COLOURS["demo"])
        elif kind == "demo":
            mid = y + sw / 2
            _draw_line(pen, [(x, mid, x + sw, mid)], PATH_COLOURS["demo"], 3, dashed=False)
            _draw_badge(pen, x + sw / 2, mid, 8, "1", PATH_COLOURS["demo"], _SMALLEST)
        else:
            mid = y + sw / 2
            segs = [(x, mid, x + sw / 2, mid), (x + sw / 2, mid, x + sw, mid)]
            _draw_line(pen, segs, PATH_COLOURS[kind], 4, dashed=kind == "B")
        pen.text(
            (x + sw + 8, y + sw / 2),
            _fit(label, _LEGEND_COL - sw - 16),
            fg=_INK,
            bg=_BG,
            size=_LEGEND_FONT,
            anchor="lm",
        )
    return _png(pen.img)


@lru_cache(maxsize=1024)
def _fit(label: str, room: int) -> str:
    while len(label) > 1 and _font(_LEGEND_FONT).getlength(label) > room:
        label = label[:-2] + "…"
    return label


def _png(img: Image.Image) -> bytes:
    buf = BytesIO()
    img.save(buf, format="PNG", compress_level=1)  # level 6 costs ms for a few kB on palette PNGs
    return buf.getvalue()


def render_demo_png(
    features: FeatureSet,
    grid: Sequence[str],
    path: str,
    *,
    horizon: int,
    upto: int | None = None,
    cell: int = CELL,
) -> bytes:
    """Render a demonstration map: the world and the walk's first ``upto`` steps (all by default).

    Each cell the walk entered shows the number of its last visit, and "×n" when it was entered
    n > 1 times; while replaying (``upto`` short of the whole walk) a small person stands on the
    cell reached, in place of its number. A whole walk stopped by the step limit (not at a
    destination) has its last cell boxed (the legend says so).
    ``upto=len(path)`` gives the same bytes as ``upto=None``. BankError for an invalid path.
    """
    world = parse_world(grid, features)
    states = follow_path(world, path, horizon=horizon).states
    whole = len(states) - 1
    if upto is not None:
        if not 0 <= upto <= len(path):
            raise ValueError(f"upto must be in 0..{len(path)}, got {upto}")
        states = states[: upto + 1]
    pen, lay = _start_pen(features, world, cell)
    _draw_world(pen, world, features, lay)
    segs = _segments(states, world, lay, 0.0)
    rgb, cs = PATH_COLOURS["demo"], lay.cell
    if segs:
        _draw_line(pen, segs, rgb, max(3, cs // 13), dashed=False)
    _draw_start(pen, world, lay)
    replaying = len(states) - 1 < whole
    stopped = not replaying and whole >= horizon and not bool(world.terminal[states[-1]])
    if stopped:
        _draw_limit(pen, *_centre(lay, world, states[-1]), cs, rgb)
    for i, x, y, n in _badge_spots(states, world, lay):
        if not (replaying and i == len(states) - 1):
            _draw_badge(pen, x, y, cs * _BADGE, str(i), rgb, max(_SMALLEST, cs * 7 // 25))
        if n > 1:
            _draw_visits(pen, *_centre(lay, world, states[i]), cs, n, rgb)
    if replaying:
        _draw_walker(pen, *_centre(lay, world, states[-1]), cs)
    return _png(pen.img)


def render_predict_png(
    features: FeatureSet,
    grid: Sequence[str],
    options: tuple[str, str],
    *,
    horizon: int,
    cell: int = CELL,
) -> bytes:
    """Render a predict probe's map: the world with path A (blue, solid) and B (orange, dashed).

    Options are drawn in the order given, so a caller that counterbalances passes them in
    display order. Shared edges keep both lines visible: A is offset up/left, B down/right.
    """
    world = parse_world(grid, features)
    walks = [follow_path(world, p, horizon=horizon).states for p in options]
    pen, lay = _start_pen(features, world, cell)
    _draw_world(pen, world, features, lay)
    cs = lay.cell
    for side, states, k in (("A", walks[0], -1.0), ("B", walks[1], 1.0)):
        rgb = PATH_COLOURS[side]
        segs = _segments(states, world, lay, k)
        if segs:
            _draw_line(pen, segs, rgb, max(3, cs // 12), dashed=side == "B")
        for seg in segs:
            _draw_arrow(pen, seg, rgb, cs * 0.12)
    _draw_start(pen, world, lay)
    for side, states, k in (("A", walks[0], -1.0), ("B", walks[1], 1.0)):
        rgb = PATH_COLOURS[side]
        x, y = _centre(lay, world, states[-1])
        _draw_badge(
            pen, x + k * cs * 0.24, y + cs * 0.2, cs * 0.2, side, rgb, max(10, cs * 3 // 10)
        )
    return _png(pen.img)


def stimulus_hash(images: Sequence[bytes], texts: Sequence[str]) -> str:
    """Hash (sha256 hex) the exact bytes shown: every image, then every text as UTF-8, in order.

    The counts and every part are length-prefixed, so no two different stimuli collide by
    concatenation. The participant app and the model harness both store this value over
    :func:`item_stimulus` of the item in display order, in each answer's ``stimulus`` field.
    """
    h = hashlib.sha256(_STIMULUS_TAG)
    h.update(len(images).to_bytes(8, "big") + len(texts).to_bytes(8, "big"))
    for part in [*images, *(t.encode("utf-8") for t in texts)]:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def page_stimulus_hash(stim: ItemStimulus, demos: int, *, choices: bool) -> str:
    """Hash of what the participant's item page shows: every picture and option text when its
    questions are asked, else only the ``demos`` walks and the legend (a hypothesis-only page
    shows no question). The page's submit and the store's recorded timeouts both use this."""
    if choices:
        return stimulus_hash(stim.pictures, stim.texts)
    return stimulus_hash((*stim.images[:demos], stim.legend), ())


def item_stimulus(
    bank: Bank,
    item: Item,
    *,
    order: dict[str, tuple[str, str]] | None = None,
    cell: int = CELL,
    questions: bool = True,
) -> ItemStimulus:
    """Collect an item's canonical maps, legend, option texts and text alternatives as displayed
    (for stimulus_hash over ``pictures`` and ``texts``). Without ``questions`` (a page that asks
    no question: hypothesis only) there are no predict maps, and the legend names only what
    the walks show, with no paths A and B."""
    fs, horizon = bank.features, bank.model.horizon
    n = len(item.demos)
    images = [_demo_png(fs, tuple(d.grid), d.path, horizon, cell) for d in item.demos]
    alts = [
        "\n".join(demo_lines(fs, d, horizon=horizon, n=k, total=n))
        for k, d in enumerate(item.demos, start=1)
    ]
    texts: list[str] = []
    for probe in item.probes:
        a, b = option_sides(order, probe)
        _, shown_a, shown_b = question_words(bank, probe, order=order)
        texts += [shown_a, shown_b]
        if probe.kind.shows_paths and questions:
            images.append(
                _predict_png(
                    fs, tuple(probe.grid), (probe.options[a], probe.options[b]), horizon, cell
                )
            )
            alts.append(
                f"The new world of question {probe.id}, with paths A and B:\n"
                + "\n".join(predict_lines(fs, probe, (a, b), horizon=horizon))
            )
    maps = [p for p in item.probes if p.kind.shows_paths and questions]
    grids = [*(d.grid for d in item.demos), *(p.grid for p in maps)]
    present = _present(fs, tuple(r for g in grids for r in g))
    paths = bool(maps)
    marks = walk_marks(bank, item)
    legend = _legend_png(fs, present, bool(item.demos), paths, True, marks)
    words = legend_entries(fs, present, demo=bool(item.demos), paths=paths, marks=marks)
    alts.append("Legend of the maps: " + "; ".join(w for _, w in words) + ".")
    still = _legend_png(fs, present, bool(item.demos), paths, False, marks)
    return ItemStimulus(tuple(images), tuple(texts), legend, tuple(alts), still)


def _present(features: FeatureSet, rows: tuple[str, ...]) -> tuple[int, ...]:
    symbols = set("".join(rows))
    return tuple(i for i, f in enumerate(features) if f.symbol in symbols)


@lru_cache(maxsize=256)
def _legend_png(
    features: FeatureSet,
    present: tuple[int, ...],
    demo: bool,
    paths: bool,
    replay: bool,
    marks: tuple[str, ...],
) -> bytes:
    return render_legend_png(features, present, demo=demo, paths=paths, replay=replay, marks=marks)


def walk_marks(bank: Bank, item: Item) -> tuple[str, ...]:
    """The legend's walk marks an item's maps need: "visits" when a walk enters a cell twice,
    "limit" when one stopped at the step limit."""
    out = []
    walks = [
        follow_path(parse_world(d.grid, bank.features), d.path, horizon=bank.model.horizon)
        for d in item.demos
    ]
    if any(len(set(w.states)) < len(w.states) for w in walks):
        out.append("visits")
    if any(not w.ended_at_destination for w in walks):
        out.append("limit")
    return tuple(out)


# Each participant sees an item in one of 2^(probes) A/B orders, but its walks look the same in
# all of them and a predict picture has only two: the images are kept apart from the orders.
@lru_cache(maxsize=512)
def _demo_png(
    features: FeatureSet, grid: tuple[str, ...], path: str, horizon: int, cell: int
) -> bytes:
    return render_demo_png(features, grid, path, horizon=horizon, cell=cell)


@lru_cache(maxsize=512)
def _predict_png(
    features: FeatureSet, grid: tuple[str, ...], options: tuple[str, str], horizon: int, cell: int
) -> bytes:
    return render_predict_png(features, grid, options, horizon=horizon, cell=cell)
