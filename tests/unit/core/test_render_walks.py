"""Walks people can read on the map (issue 20, item 5): where a walk crosses itself each cell
carries one number (its last visit) and how often it was entered; a walk stopped by the step
limit is marked; the legend explains both, and a model's legend has no replay marks (issue 19)."""

from dataclasses import replace

from hhvalues.core import render
from hhvalues.core.bank import Demonstration, Item
from hhvalues.core.generate import GenerateConfig, generate_bank
from hhvalues.core.render import (
    _badge_spots,
    _layout,
    item_stimulus,
    legend_entries,
    render_demo_png,
    walk_marks,
)
from hhvalues.core.world import parse_world

BANK = generate_bank(GenerateConfig(seed=51, items=2))
GRID = ("S....", ".....", ".....", ".....", "....E")
BACK_AND_FORTH = "RLRLRLRLRLRLRLRLRLRLR"  # 21 moves: the step limit of a 7x7 bank


def _demo_bank(path: str):
    grid = tuple(r.replace("E", BANK.features.by_id("exit").symbol) for r in GRID)
    item = replace(BANK.items[0], demos=(Demonstration(grid, path),))
    return replace(BANK, items=(item, *BANK.items[1:])), item, grid


def test_a_walk_that_crosses_itself_numbers_each_cell_once():
    _, _, grid = _demo_bank(BACK_AND_FORTH)
    world = parse_world(grid, BANK.features)
    states = [0, *([1, 0] * 10), 1]
    spots = _badge_spots(states, world, _layout(world, 40))
    cells = [(round(x), round(y)) for _, x, y, _ in spots]
    assert len(cells) == len(set(cells)) == 2  # two cells, two numbers, never on top of another
    assert [(i, n) for i, _, _, n in spots] == [(20, 10), (21, 11)]


def test_a_walk_stopped_by_the_step_limit_is_marked_and_the_legend_says_so():
    bank, item, grid = _demo_bank(BACK_AND_FORTH)
    assert walk_marks(bank, item) == ("visits", "limit")
    words = dict(legend_entries(bank.features, (), demo=True, paths=False, marks=("limit",)))
    assert "step limit" in words["limit"]
    stopped = render_demo_png(bank.features, grid, BACK_AND_FORTH, horizon=21)
    assert stopped != render_demo_png(bank.features, grid, BACK_AND_FORTH, horizon=22)
    # a walk that reaches the exit has neither mark
    bank2, item2, _ = _demo_bank("RRRRDDDD")
    assert walk_marks(bank2, item2) == ()


def test_the_model_legend_has_no_replay_but_the_same_walk_marks():
    bank, item, _ = _demo_bank(BACK_AND_FORTH)
    stim = item_stimulus(bank, item)
    assert stim.still_legend and stim.still_legend != stim.legend
    shown = [k for k, _ in legend_entries(bank.features, (), demo=True, paths=False)]
    still = [k for k, _ in legend_entries(bank.features, (), demo=True, paths=False, replay=False)]
    assert "walker" in shown and "walker" not in still
    assert stim.still_legend not in stim.pictures  # the participants' stimulus hash is unchanged
    assert isinstance(item, Item) and render.LEGEND_KEYS["walker"] == "the person (in a replay)"


def test_the_rules_say_truthfully_how_noisy_the_walkers_are():
    """Rationality 1 wanders: about half the default generator's walks enter a cell twice
    (bench/RESULTS.md), so the rules say so, for participants and models alike."""
    from hhvalues.core.explain import describe_rules
    from hhvalues.core.generate import GenerateConfig as Cfg

    noisy = " ".join(describe_rules(BANK.features, BANK.model, BANK.step_cost))
    assert "careless" in noisy and "step limit without reaching" in noisy
    sharp = Cfg(seed=1, items=1, rationality_levels=(2.0, 4.0, 8.0)).model(BANK.features)
    assert "careless" not in " ".join(describe_rules(BANK.features, sharp, BANK.step_cost))


def _letter_corner(png: bytes, row: int, col: int) -> bytes:
    """The pixels of the top-left corner of a map's cell, where a feature's letter is drawn."""
    import io

    from PIL import Image

    world = parse_world(GRID_MARKED, BANK.features)
    lay = _layout(world, render.CELL)
    x, y = lay.left + col * lay.cell, lay.top + row * lay.cell
    box = (x + 2, y + 2, x + lay.cell * 2 // 5, y + lay.cell * 2 // 5)
    return Image.open(io.BytesIO(png)).convert("RGB").crop(box).tobytes()


GRID_MARKED = ("S.pp.", ".....", ".....", ".....", "....E")


def test_no_step_number_or_visit_tag_covers_a_features_letter():
    """Issue 19 item 8: the number of the last step sat in the middle of the destination and
    covered its letter ("8" over the café's "C"); a cell entered twice had its "×2" tag in the
    letter's corner. The letter's corner looks the same with the walk drawn as without it."""
    features = BANK.features
    grid = tuple(
        r.replace("E", features.by_id("exit").symbol).replace(
            "p", next(f.symbol for f in features if not f.terminal)
        )
        for r in GRID_MARKED
    )
    empty = render_demo_png(features, grid, "", horizon=30)
    to_exit = render_demo_png(features, grid, "RRRRDDDD", horizon=30)
    twice = render_demo_png(features, grid, "RRDURDDDDR", horizon=30)  # enters (0, 2) twice
    for row, col in ((4, 4), (0, 2), (0, 3)):
        assert _letter_corner(to_exit, row, col) == _letter_corner(empty, row, col), (row, col)
    assert _letter_corner(twice, 0, 2) == _letter_corner(empty, 0, 2)


def test_the_visit_tag_is_drawn_at_the_maps_smallest_text_size():
    """Issue 19 item 7: no text on a map below 11 px (phones show maps at their own size); the
    "×n" tag was drawn at 8 px. Its box is at least the 11 px text plus its margins tall."""
    from PIL import ImageChops

    pen = render._new_pen(BANK.features, (80, 80))
    blank = pen.img.copy()
    render._draw_visits(pen, 40, 40, render.CELL, 2, render.PATH_COLOURS["demo"])
    box = ImageChops.difference(pen.img.convert("RGB"), blank.convert("RGB")).getbbox()
    assert box is not None and box[3] - box[1] >= 13, box
