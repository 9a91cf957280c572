"""Screenshots of the participant pages and of the console, to look at as a user would.

Starts the real app (``streamlit run app.py``) on a throw-away SQLite file with a study on the
demo bank, walks one participant through consent, instructions, a practice item, its feedback and
a test item, then signs in to the console and visits every page (sign-in, studies, invites, live
monitoring, results, exports, banks, users, audit log), and saves full-page PNGs at 1280×800 and
390×844 (phone) under ``--out``:

    python scripts/screenshots.py --out /tmp/shots [--only console|participant]

Needs Debian's Chromium (``/usr/bin/chromium``) and Playwright, as the browser tests do.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.harness import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    AppServer,
    choose,
    click_key,
    keys,
    make_study,
    open_link,
    settle,
)

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


def _shot(page, path: Path) -> None:  # type: ignore[no-untyped-def]
    """The viewport as the participant sees it, and the whole page (Streamlit scrolls inside
    its main block, so a full-page capture needs a viewport as tall as that block)."""
    page.screenshot(path=str(path))
    size = page.viewport_size
    tall = page.evaluate(
        "Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
        "[data-testid=stAppViewContainer]')].map(e => e.scrollHeight))"
    )
    if tall > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": int(tall)})
        settle(page)
        page.screenshot(path=str(path.with_name(path.stem + "-full.png")))
        page.set_viewport_size(size)
        settle(page)


def _participant(page, url: str, out: Path, size: str) -> None:  # type: ignore[no-untyped-def]
    open_link(page, url)
    shots = ["consent", "instructions", "practice-item", "practice-feedback", "test-item"]
    for name in shots:
        settle(page)
        _shot(page, out / f"{size}-{name}.png")
        ks = keys(page)
        if name == "consent":
            click_key(page, "consent")
        elif name == "instructions":
            click_key(page, "start")
        elif name.endswith("item"):
            for k in sorted(k for k in ks if k.startswith("probe-")):
                choose(page, k, 0)
            _shot(page, out / f"{size}-{name}-answered.png")
            click_key(page, "submit")
        elif name == "practice-feedback":
            click_key(page, "next")


CONSOLE_PAGES = ("studies", "invites", "monitor", "results", "exports", "banks", "users", "audit")
ADMIN = ("ada", "screenshot password")


def _admin(url: str) -> None:
    from datetime import UTC, datetime

    from hhvalues.store.accounts import add_user
    from hhvalues.store.db import make_engine

    engine = make_engine(url)
    add_user(engine, *ADMIN[:1], "admin", ADMIN[1], now=lambda: datetime.now(UTC))
    engine.dispose()


def _models(url: str) -> None:
    """Model answers under several conditions with long names, as a real comparison has."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from hhvalues.core.agents import reference_answers
    from hhvalues.store.db import make_engine, record_answers, write_session
    from hhvalues.store.studies import get_study

    engine = make_engine(url)
    bank_id = get_study(engine, "bt").bank.id
    from hhvalues.store.db import get_bank, read_session

    with read_session(engine) as session:
        bank = get_bank(session, bank_id)
    answers = []
    for k, condition in enumerate(("baseline", "temperature-0", "step-by-step", "few-shot-3")):
        for a in reference_answers(bank, seed=k):
            if a.respondent in ("agent:random", "agent:heuristic"):
                who = "model:anthropic/claude-3-5-sonnet-20240620/" + condition
                if a.respondent == "agent:random":
                    who = "model:openai/gpt-4o-2024-08-06/" + condition
                answers.append(replace(a, respondent=who))
    with write_session(engine) as session:
        record_answers(session, answers, bank_id=bank_id, now=lambda: datetime.now(UTC))
    engine.dispose()


def _console(page, base: str, out: Path, size: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/console")
    settle(page)
    for key, value in zip(("login-name", "login-password"), ADMIN, strict=True):
        box = page.locator(f".st-key-{key} input").first
        box.fill(value)
        box.press("Tab")
    _shot(page, out / f"{size}-console-sign-in.png")
    click_key(page, "login-submit")
    page.wait_for_url(f"{base}/console", timeout=30_000)
    settle(page)
    _shot(page, out / f"{size}-console-account.png")
    for name in CONSOLE_PAGES:
        page.goto(f"{base}/{name}")  # the session cookie carries the sign-in to a typed URL
        settle(page)
        _shot(page, out / f"{size}-console-{name}.png")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--only", choices=["console", "participant"], default=None)
    opts = parser.parse_args()
    opts.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        url = f"sqlite:///{Path(tmp) / 'shots.db'}"
        make_study(url, train=1, items=2, catch=0, mode="both", min_answer_seconds=0)
        _admin(url)
        _models(url)
        server = AppServer(url, log_dir=Path(tmp)).start()
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for size, (w, h) in SIZES.items():
                link = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "hhvalues.cli",
                        "study",
                        "invite",
                        "--name",
                        "bt",
                        "--count",
                        "1",
                        "--base-url",
                        server.url,
                        "--db",
                        url,
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout.split()[0]
                page = browser.new_page(viewport={"width": w, "height": h})
                if opts.only != "console":
                    _participant(page, link, opts.out, size)
                page.close()
                if opts.only != "participant":
                    context = browser.new_context(viewport={"width": w, "height": h})
                    _console(context.new_page(), server.url, opts.out, size)
                    context.close()
        finally:
            browser.close()
            server.stop()
    print(f"screenshots in {opts.out}")


if __name__ == "__main__":
    main()
