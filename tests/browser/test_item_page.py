"""The participant page v2 as a participant sees it (issue 14): one item on one screen, a timer
pinned on top that turns amber at the end, every new page at its top, the time-up notice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from hhvalues.core.bank import Bank, Item, Split
from hhvalues.core.validate import load_valid_bank
from tests.browser.harness import (
    DEMO_BANK,
    SUBMIT_BUTTON,
    choose,
    click_key,
    keys,
    make_study,
    settle,
)

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
SCROLLERS = "[data-testid=stMain], [data-testid=stAppViewContainer]"
CARD = "[data-testid=stVerticalBlock]:has(> [class*=st-key-probe-])"
"""A question card: the container of one probe's fragment (widgets.STYLE draws it as a card)."""


def card(k: int) -> str:
    """Question card ``k`` (from 1)."""
    return f"{CARD} >> nth={k - 1}"


def _test_item(shape: Callable[[Item], bool]) -> Bank:
    """The demo bank's training items and the first of its test items of ``shape``."""
    bank = load_valid_bank(DEMO_BANK)
    item = next(i for i in bank.items if i.split is Split.TEST and shape(i))
    return replace(bank, items=(*[i for i in bank.items if i.split is Split.TRAIN], item))


def _maps(item: Item) -> int:
    return sum(p.kind.value == "predict" for p in item.probes)


def _two_walks_three_questions() -> Bank:
    """The demo bank with one test item: two walks and three questions, path predictions
    among them (each with its own map)."""
    return _test_item(lambda i: len(i.demos) == 2 and len(i.probes) == 3 and _maps(i) >= 1)


def _three_walks_four_questions() -> Bank:
    """The demo bank with its fullest test item: three walks, four questions, two with maps."""
    return _test_item(lambda i: len(i.demos) == 3 and len(i.probes) == 4 and _maps(i) == 2)


def _rect(page: Any, selector: str) -> dict[str, float]:
    return page.locator(selector).first.evaluate(
        "e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom,"
        " left: r.left, right: r.right}; }"
    )


def _lowest(page: Any, selectors: list[str]) -> float:
    """Where the lowest element matched by any of ``selectors`` ends (viewport px)."""
    return max(
        page.locator(s).nth(i).evaluate("e => e.getBoundingClientRect().bottom")
        for s in selectors
        for i in range(page.locator(s).count())
    )


def _scrolled(page: Any) -> float:
    return page.evaluate(
        f"Math.max(window.scrollY, ...[...document.querySelectorAll({SCROLLERS!r})]"
        ".map(e => e.scrollTop))"
    )


def _scroll_to_bottom(page: Any) -> None:
    page.wait_for_timeout(500)  # after the new page's own scroll to its top (up to 250 ms)
    page.evaluate(
        f"for (const e of document.querySelectorAll({SCROLLERS!r})) e.scrollTop = e.scrollHeight"
    )
    page.wait_for_timeout(200)


def _to_first_item(page: Any, url: str) -> None:
    page.goto(url)
    settle(page)
    click_key(page, "consent")
    click_key(page, "start")


@pytest.mark.parametrize("size", sorted(SIZES))
def test_timer_walks_questions_and_submit_are_in_view(
    browser: Any, servers: Any, sqlite_db_url: str, size: str
) -> None:
    """At 1280×800 the whole 2-walk, 3-question item is in the viewport with no scrolling; on
    a phone it reads top to bottom and the timer stays pinned in view while scrolling."""
    setup = make_study(sqlite_db_url, bank=_two_walks_three_questions(), items=1, catch=0)
    server = servers(sqlite_db_url)
    w, h = SIZES[size]
    context = browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    _to_first_item(page, f"{server.url}/?study={setup.slug}")
    assert sum(k.startswith("probe-") for k in keys(page)) == 3
    maps = page.locator("[data-testid=stImage] img")
    [item] = [i for i in _two_walks_three_questions().items if i.split is Split.TEST]
    n_maps = 2 + _maps(item)
    assert maps.count() == n_maps  # the walks, the predict maps (the legend is .hhv-legend)
    parts = [".st-key-hhv-bar", ".st-key-countdown", SUBMIT_BUTTON]
    parts += [card(k) for k in (1, 2, 3)]
    boxes = {p: _rect(page, p) for p in parts}
    assert page.locator(card(1)).evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
    boxes |= {
        f"map {i}": maps.nth(i).evaluate("e => e.getBoundingClientRect().toJSON()")
        for i in range(n_maps)
    }
    boxes["legend"] = _rect(page, ".hhv-legend")
    if size == "desktop":
        outside = {p: b for p, b in boxes.items() if b["bottom"] > h or b["right"] > w}
        assert not outside, f"needs scrolling at {w}x{h}: {outside}"
        assert _scrolled(page) == 0
    order = [boxes[p]["top"] for p in ("map 0", card(1), SUBMIT_BUTTON)]
    if size == "phone":
        assert order == sorted(order), "the item does not read top to bottom"
    _scroll_to_bottom(page)
    bar, clock = _rect(page, ".st-key-hhv-bar"), _rect(page, ".st-key-countdown")
    assert bar["top"] == 0 and clock["top"] >= 0 and clock["bottom"] <= bar["bottom"] <= 80
    assert page.locator(".st-key-countdown").inner_text().strip().startswith("Time:")
    context.close()


def test_the_fullest_item_fits_one_desktop_screen(
    browser: Any, servers: Any, sqlite_db_url: str
) -> None:
    """Three walks and four questions, two of them with their own map: still no scrolling at
    1280×800 (the cards share two columns so that the two maps do not stack)."""
    setup = make_study(sqlite_db_url, bank=_three_walks_four_questions(), items=1, catch=0)
    server = servers(sqlite_db_url)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    _to_first_item(page, f"{server.url}/?study={setup.slug}")
    assert sum(k.startswith("probe-") for k in keys(page)) == 4
    parts = [".st-key-countdown", SUBMIT_BUTTON, "[data-testid=stImage] img", CARD]
    lowest = _lowest(page, parts)
    assert lowest <= 800, f"the fullest item needs scrolling: its lowest part ends at {lowest}"
    context.close()


def test_a_hypothesis_only_item_fits_one_desktop_screen(
    browser: Any, servers: Any, sqlite_db_url: str
) -> None:
    """The sliders of a hypothesis-only item sit beside the walks, as the questions do, so the
    walks, every slider and submit are in view at 1280×800."""
    setup = make_study(sqlite_db_url, items=1, train=0, catch=0, mode="hypothesis")
    server = servers(sqlite_db_url)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    _to_first_item(page, f"{server.url}/?study={setup.slug}")
    sliders = [k for k in keys(page) if k.startswith("hypothesis-")]
    assert sliders and not any(k.startswith("probe-") for k in keys(page))
    parts = [SUBMIT_BUTTON, "[data-testid=stImage] img"]
    parts += [f"[class*='st-key-{k}--']" for k in sliders]
    lowest = _lowest(page, parts)
    assert lowest <= 800, f"the hypothesis-only item needs scrolling: it ends at {lowest}"
    context.close()


def test_on_a_phone_every_map_keeps_its_own_pixel_size(
    browser: Any, servers: Any, sqlite_db_url: str
) -> None:
    """At 390 px no map is scaled down (its text stays at the ≥ 11 px it was drawn at): the
    walks go one to a row, predict maps are full size, the legend shows as its two columns one
    above the other. Two walks to a row made each map ~170 px, its move numbers ~6 px."""
    setup = make_study(sqlite_db_url, bank=_three_walks_four_questions(), items=1, catch=0)
    server = servers(sqlite_db_url)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    _to_first_item(page, f"{server.url}/?study={setup.slug}")
    shown = page.eval_on_selector_all(
        "img",
        """els => els.filter(e => e.getBoundingClientRect().width > 0).map(e => ({
             natural: e.naturalWidth, width: e.getBoundingClientRect().width,
             left: e.getBoundingClientRect().left, top: e.getBoundingClientRect().top}))""",
    )
    assert len(shown) == 3 + 2 + 2, shown  # three walks, two legend halves, two predict maps
    small = [b for b in shown if b["width"] < b["natural"] - 0.5]
    assert not small, f"maps scaled down on a phone: {small}"
    walks = page.locator(".st-key-hhv-walks [data-testid=stImage] img")
    tops = [walks.nth(i).evaluate("e => e.getBoundingClientRect().top") for i in range(3)]
    assert tops == sorted(tops) and len(set(tops)) == 3, "not one walk to a row"
    halves = page.locator(".hhv-legend-half")
    assert halves.count() == 2
    cut = [halves.nth(i).evaluate("e => e.getBoundingClientRect().toJSON()") for i in range(2)]
    assert cut[0]["bottom"] <= cut[1]["top"] and cut[0]["width"] <= 390, cut
    context.close()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_questions_read_in_their_order(
    browser: Any, servers: Any, sqlite_db_url: str, size: str
) -> None:
    """The cards are in question order on the page (what a screen reader follows) and, on a
    phone, from top to bottom; cards placed into two st.columns read 1, 3, 2, 4 there."""
    setup = make_study(sqlite_db_url, bank=_three_walks_four_questions(), items=1, catch=0)
    server = servers(sqlite_db_url)
    w, h = SIZES[size]
    context = browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    _to_first_item(page, f"{server.url}/?study={setup.slug}")
    labels = page.eval_on_selector_all(
        "[class*='st-key-probe-'] [data-testid=stWidgetLabel]",
        "els => els.map(e => [e.innerText.trim(), e.getBoundingClientRect().top,"
        " e.getBoundingClientRect().left])",
    )
    numbers = [int(text.split(".")[0]) for text, _, _ in labels]
    assert numbers == [1, 2, 3, 4], f"the page order of the questions is {numbers}"
    tops = [top for _, top, _ in labels]
    if size == "phone":
        assert tops == sorted(tops), "on a phone the questions do not read top to bottom"
    else:  # two columns: down the first, then down the second
        lefts = [left for _, _, left in labels]
        assert lefts == sorted(lefts) and len(set(lefts)) == 2
    context.close()


def test_every_new_page_starts_at_its_top(browser: Any, servers: Any, sqlite_db_url: str) -> None:
    """Scrolled to the bottom, then Start, Submit, Continue: each next page is at its top."""
    setup = make_study(sqlite_db_url, items=2, train=1, catch=0, min_answer_seconds=0)
    server = servers(sqlite_db_url)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{server.url}/?study={setup.slug}")
    settle(page)
    click_key(page, "consent")
    seen = []
    for _ in range(6):
        ks = keys(page)
        if "start" in ks:
            button = "start"
        elif "next" in ks:
            button = "next"
        elif "submit" in ks:
            for k in sorted(k for k in ks if k.startswith("probe-")):
                choose(page, k, 0)
            button = "submit"
        else:
            break
        _scroll_to_bottom(page)
        assert _scrolled(page) > 0, f"the page before {button} is not taller than the screen"
        click_key(page, button)
        page.wait_for_timeout(500)
        seen.append((button, _scrolled(page)))
    assert {b for b, _ in seen} >= {"start", "next", "submit"}, seen
    assert all(y == 0 for _, y in seen), f"a new page opened scrolled down: {seen}"
    context.close()


def test_time_up_turns_the_timer_amber_and_the_next_page_says_so(
    browser: Any, servers: Any, sqlite_db_url: str
) -> None:
    setup = make_study(sqlite_db_url, items=2, train=0, catch=0, item_seconds=8)
    server = servers(sqlite_db_url)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    _to_first_item(page, f"{server.url}/?study={setup.slug}")
    bar = page.locator(".st-key-hhv-bar")
    assert bar.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 215, 102)"
    first = sorted(k for k in keys(page) if k.startswith("probe-"))
    choose(page, first[0], 0)
    page.wait_for_selector("text=Time ran out", timeout=20_000)
    settle(page)
    notice = page.locator("[data-testid=stAlert]").first.inner_text()
    assert "Time ran out for question set 1" in notice
    assert "chosen for 1 question were kept" in notice and "counts as wrong" in notice
    assert sorted(k for k in keys(page) if k.startswith("probe-")) != first  # the next item
    context.close()
