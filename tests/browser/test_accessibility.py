"""Every participant page passes axe-core with no serious or critical violation (issue 14 item 4),
at 1280×800 and at 390×844, and a whole session can be done with the keyboard alone.

axe-core is the npm package (``tests/browser/axe``), injected into the real page after each step
of one participant's session: consent, intake, instructions, a practice item, its feedback, a test
item, the done page.
"""

from __future__ import annotations

from typing import Any

import pytest

from hhvalues.store.studies import IntakeQuestion
from tests.browser.harness import (
    SUBMIT_BUTTON,
    axe_violations,
    click_key,
    key_selector,
    keys,
    make_study,
    settle,
)

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
INTAKE = (
    IntakeQuestion("degree", "Highest degree", ("none", "bachelor", "master", "PhD")),
    IntakeQuestion("field", "Field of work", required=False),
)


def _page_kind(ks: set[str]) -> str:
    if any(k.startswith("probe-") for k in ks):
        return "item"
    for kind in ("consent", "start", "next"):
        if kind in ks:
            return {"start": "instructions", "next": "feedback"}.get(kind, kind)
    if any(k.startswith("intake-") for k in ks) or "intake" in ks:
        return "intake"
    return "done"


def _check(page: Any, where: str, found: dict[str, list[str]]) -> None:
    for v in axe_violations(page):
        found.setdefault(f"{where}: {v['id']} ({v['impact']}): {v['help']}", []).extend(v["nodes"])


@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_participant_page_has_no_serious_axe_violation(
    browser: Any, servers: Any, sqlite_db_url: str, size: str
) -> None:
    setup = make_study(sqlite_db_url, items=1, train=1, catch=0, intake=INTAKE)
    server = servers(sqlite_db_url)
    w, h = SIZES[size]
    context = browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{server.url}/?study={setup.slug}")
    found: dict[str, list[str]] = {}
    seen: list[str] = []
    for _ in range(12):
        settle(page)
        ks = keys(page)
        kind = _page_kind(ks)
        seen.append(kind)
        _check(page, f"{size} {kind} page", found)
        if kind == "done":
            break
        if kind == "consent":
            click_key(page, "consent")
        elif kind == "intake":
            page.locator("[data-testid='stSelectbox']").first.click()
            page.get_by_role("option", name="PhD").click()
            page.locator("[data-testid='stFormSubmitButton'] button").click()
            settle(page)
        elif kind == "instructions":
            click_key(page, "start")
        elif kind == "feedback":
            click_key(page, "next")
        else:
            for k in sorted(k for k in ks if k.startswith("probe-")):
                page.locator(key_selector(k)).first.locator(
                    "label[data-testid='stRadioOption']"
                ).first.click()
                settle(page)
            _check(page, f"{size} {kind} page (answered)", found)
            click_key(page, "submit")
    context.close()
    assert seen[:3] == ["consent", "intake", "instructions"], seen
    assert {"item", "feedback", "done"} <= set(seen), seen
    assert setup.completion_code and not found, "\n".join(
        f"{rule}\n    " + "\n    ".join(nodes[:4]) for rule, nodes in found.items()
    )


def test_a_whole_session_can_be_done_with_the_keyboard_alone(
    browser: Any, servers: Any, sqlite_db_url: str
) -> None:
    """Tab to each control and press Space or Enter; the mouse is never used."""
    setup = make_study(sqlite_db_url, items=1, train=1, catch=0)
    server = servers(sqlite_db_url)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{server.url}/?study={setup.slug}")

    def press_on(selector: str, key: str = "Space") -> None:
        """Tab until ``selector`` has focus (at most 80 presses), then press ``key``."""
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({selector!r})"):
                page.keyboard.press(key)
                settle(page)
                return
        raise AssertionError(f"Tab never reached {selector}")

    for _ in range(12):
        settle(page)
        if setup.completion_code in page.inner_text("body"):
            break
        ks = keys(page)
        kind = _page_kind(ks)
        if kind == "consent":
            press_on(".st-key-consent button")
        elif kind == "instructions":
            press_on(".st-key-start button")
        elif kind == "feedback":
            press_on(".st-key-next button")
        else:
            for k in sorted(k for k in ks if k.startswith("probe-")):
                press_on(f"[class*='st-key-{k}--'] input[type=radio]")
                checked = page.locator(f"[class*='st-key-{k}--'] input[type=radio]:checked").count()
                assert checked == 1, f"Space did not select an option of {k}"
            press_on(SUBMIT_BUTTON)
    assert setup.completion_code in page.inner_text("body")
    context.close()
