"""Screenshots of the participant pages and the console's Banks page, to look at as a user would.

Starts the real app (``streamlit run app.py``) on a throw-away SQLite file with a study on the
demo bank, walks one participant through consent, instructions, a practice item, its feedback and
a test item, and saves full-page PNGs at 1280×800 and 390×844 (phone) under ``--out``:

    python scripts/screenshots.py --out /tmp/shots

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    opts = parser.parse_args()
    opts.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        url = f"sqlite:///{Path(tmp) / 'shots.db'}"
        make_study(url, train=1, items=2, catch=0, mode="both", min_answer_seconds=0)
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
                _participant(page, link, opts.out, size)
                page.close()
        finally:
            browser.close()
            server.stop()
    print(f"screenshots in {opts.out}")


if __name__ == "__main__":
    main()
