"""Browser-test harness: the real app in a subprocess, headless Debian Chromium via Playwright.

* :class:`AppServer` runs ``streamlit run serve.py --server.headless true --server.port P``
  (app.py's pages, the process warmed before it serves) with ``HHVALUES_DATABASE_URL`` set,
  waits for ``/_stcore/health`` and can be killed and restarted on the same port and database.
* ``sqlite_app_url``/``pg_app_url`` give a fresh database (a SQLite file under ``tmp_path``, or a
  fresh PostgreSQL database from ``tests/conftest.py``'s ``pg_database_url``) with a small study.
* ``browser`` is one Chromium per test session; ``tab`` opens a page that records every
  websocket frame it receives and every page HTML snapshot (for the secrecy scan).
* :func:`settle` waits for ``[data-testid='stApp'][data-test-connection-state='CONNECTED']``
  with ``data-test-script-state='notRunning'`` before anyone acts.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO_BANK = ROOT / "data" / "banks" / "demo.json"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
READY = (
    "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
    "[data-test-script-state='notRunning']"
)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AppServer:
    """``streamlit run serve.py`` (or ``app``) on one port and one database; start, kill, start
    again."""

    def __init__(
        self,
        database_url: str,
        port: int | None = None,
        *,
        log_dir: Path,
        app: Path = ROOT / "serve.py",
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.database_url, self.port, self.app = database_url, port or free_port(), app
        self.log_dir, self.extra_args = log_dir, extra_args
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> AppServer:
        self.starts += 1
        env = os.environ | {
            "HHVALUES_DATABASE_URL": self.database_url,
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
            "PYTHONUNBUFFERED": "1",
        }
        self.log = self.log_dir / f"streamlit-{self.port}-{self.starts}.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    str(self.app),
                    "--server.headless",
                    "true",
                    "--server.port",
                    str(self.port),
                    "--server.address",
                    "127.0.0.1",
                    "--browser.gatherUsageStats",
                    "false",
                    "--server.fileWatcherType",
                    "none",
                    *self.extra_args,
                ],
                cwd=self.app.parent,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"streamlit did not become healthy in {timeout:g} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the server: a crash, no clean shutdown."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> AppServer:
        self.kill()
        return self.start()

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""


@dataclass(frozen=True)
class StudySetup:
    """A study made for a test: its slug, completion code and the database it lives in."""

    slug: str
    completion_code: str
    database_url: str


def make_study(
    database_url: str, slug: str = "bt", *, bank: Any = None, **config: Any
) -> StudySetup:
    """Import the demo bank (or ``bank``) and create an open study on it (through the store)."""
    from hhvalues.core.validate import load_valid_bank
    from hhvalues.store.db import import_bank, make_engine, upgrade, write_session
    from hhvalues.store.studies import Mode, StudyConfig, create_study

    def now() -> datetime:
        return datetime.now(UTC)

    if "mode" in config:
        config["mode"] = Mode(config["mode"])
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with write_session(engine) as session:
            info = import_bank(session, bank or load_valid_bank(DEMO_BANK), now=now)
        study = create_study(
            engine, slug=slug, bank_id=info.id, config=StudyConfig(**config), now=now, actor="test"
        )
    finally:
        engine.dispose()
    return StudySetup(slug, study.config.completion_code, database_url)


@pytest.fixture
def sqlite_db_url(tmp_path: Path) -> str:
    """A fresh SQLite file for one test (never ``:memory:``)."""
    return f"sqlite:///{tmp_path / 'browser.db'}"


@pytest.fixture
def pg_db_url(pg_database_url: str) -> str:
    """A fresh PostgreSQL database (one per test module: keep one PostgreSQL test per module)."""
    return pg_database_url


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Callable[..., AppServer]]:
    """A factory of app servers; every server started through it is stopped afterwards."""
    started: list[AppServer] = []

    def factory(database_url: str, port: int | None = None) -> AppServer:
        server = AppServer(database_url, port, log_dir=tmp_path)
        started.append(server)
        return server.start()

    yield factory
    for s in started:
        s.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium (Playwright cannot download browsers here), one per test module.

    Not per session: while the sync API is alive it marks an event loop as running in the main
    thread, so every later ``asyncio.run`` (the model harness tests) would fail.
    """
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (scripts/test-all.sh does)",
            pytrace=False,
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@dataclass
class Recorder:
    """Everything the browser received: websocket frames, page HTML, HTTP bodies."""

    frames: list[bytes] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    bodies: list[tuple[str, bytes]] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        def on_ws(ws: Any) -> None:
            ws.on(
                "framereceived",
                lambda payload: self.frames.append(
                    payload if isinstance(payload, bytes) else payload.encode("utf-8")
                ),
            )

        def on_response(response: Any) -> None:
            url = response.url
            if "/static/" in url or url.endswith((".js", ".css", ".woff2", ".ttf")):
                return  # Streamlit's own bundle, the same for every app
            # a body the browser has already discarded cannot be read: nothing to scan
            with contextlib.suppress(Exception):
                self.bodies.append((url, response.body()))

        page.on("websocket", on_ws)
        page.on("response", on_response)

    def snapshot(self, page: Any) -> None:
        self.html.append(page.content())


@pytest.fixture
def tab(browser: Any) -> Iterator[tuple[Any, Recorder]]:
    """A fresh browser context and page, recording frames, HTML and response bodies."""
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    page = context.new_page()
    page.set_default_timeout(30_000)
    rec = Recorder()
    rec.attach(page)
    yield page, rec
    context.close()


# --- acting on the page -----------------------------------------------------------------------


INERT = "document.querySelector('[data-testid=stMain]')?.inert === true"
"""Whether the participant page takes no input (a new page's first moments, or time up)."""


def settle(page: Any, *, quiet_ms: int = 250, timeout: float = 30.0, usable: bool = True) -> None:
    """Wait until the app is connected and no script runs, and stays so for ``quiet_ms``;
    with ``usable``, also until the page takes input again (a new participant page is inert
    for its first moments, see ``hhvalues.ui.widgets.GUARD_MS``)."""
    end = time.monotonic() + timeout
    page.wait_for_selector(READY, state="attached", timeout=timeout * 1000)
    while time.monotonic() < end:
        page.wait_for_timeout(quiet_ms)
        if page.locator(READY).count() == 1:
            page.wait_for_timeout(50)
            if page.locator(READY).count() == 1:
                if usable:
                    page.wait_for_function(f"() => !({INERT})", timeout=timeout * 1000)
                return
        page.wait_for_selector(READY, state="attached", timeout=timeout * 1000)
    raise AssertionError("the app never settled (connected, script not running)")


SCOPE = "--"
"""How an answer widget's item scope (``hhvalues.ui.state.SCOPE``) shows in its CSS class."""


def keys(page: Any) -> set[str]:
    """The widget keys on the page (from the ``st-key-<key>`` classes), without the item scope
    of the answer widgets (``st-key-probe-p1--i003`` → ``probe-p1``)."""
    classes = page.eval_on_selector_all("[class*='st-key-']", "els => els.map(e => e.className)")
    out = set()
    for cls in classes:
        out |= {
            c[len("st-key-") :].partition(SCOPE)[0]
            for c in str(cls).split()
            if c.startswith("st-key-")
        }
    return out


def key_selector(key: str) -> str:
    """CSS selector of the widget keyed ``key``, scoped to an item or not."""
    return f".st-key-{key}, [class*='st-key-{key}{SCOPE}']"


SUBMIT_BUTTON = "[class*='st-key-submit--'] button"
"""The item page's submit button (its key is scoped to the item)."""


def scoped_keys(page: Any) -> set[str]:
    """The widget keys on the page as their classes show them, item scope included."""
    classes = page.eval_on_selector_all("[class*='st-key-']", "els => els.map(e => e.className)")
    return {
        c[len("st-key-") :] for cls in classes for c in str(cls).split() if c.startswith("st-key-")
    }


def countdown(page: Any) -> float:
    """Seconds shown by the ``countdown`` element."""
    from hhvalues.cli.bots import parse_seconds

    text = page.locator(".st-key-countdown").first.inner_text()
    value = parse_seconds(text)
    assert value is not None, f"no seconds in the countdown element: {text!r}"
    return value


def click_key(page: Any, key: str) -> None:
    """Activate the widget keyed ``key``: a button is clicked, a checkbox ticked."""
    box = page.locator(key_selector(key))
    if box.locator("button").count():
        box.locator("button").first.click()
    elif box.locator("input[type=checkbox]").count():
        box.locator("label").first.click()
    else:
        box.first.click()
    settle(page)


def choose(page: Any, probe_key: str, index: int) -> None:
    """Pick option ``index`` (0 = shown A) of a probe's radio."""
    radio = page.locator(key_selector(probe_key)).first
    radio.locator("label[data-testid='stRadioOption']").nth(index).click()
    settle(page)


def chosen(page: Any, probe_key: str) -> int | None:
    """Index of the checked option of a probe's radio, None when none is."""
    inputs = page.locator(key_selector(probe_key)).first.locator("input[type=radio]")
    for i in range(inputs.count()):
        if inputs.nth(i).is_checked():
            return i
    return None


def nudge_slider(page: Any, key: str, steps: int) -> None:
    """Move a slider ``steps`` steps with the keyboard."""
    box = page.locator(key_selector(key)).first
    handle = box.locator("input[type=range], [role='slider']").first
    handle.focus()
    for _ in range(abs(steps)):
        handle.press("ArrowRight" if steps > 0 else "ArrowLeft")
    handle.blur()
    settle(page)


def item_signature(page: Any) -> str:
    """What identifies the item shown: images (their bytes) and the probes' option texts.

    Waits until every probe shows its options and every image has loaded: a page can be
    settled while a radio's options or an image are still being drawn, and a signature taken
    then would differ from the same item's a moment later."""
    page.wait_for_function(
        """() => [...document.querySelectorAll("[class*='st-key-probe-']")].every(
                   b => b.querySelectorAll("label[data-testid='stRadioOption']").length >= 2)
                 && [...document.images].every(i => i.complete)""",
        timeout=15_000,
    )
    srcs = page.eval_on_selector_all("img", "els => els.map(e => e.src)")
    labels = page.eval_on_selector_all(
        "[class*='st-key-probe-'] label[data-testid='stRadioOption']",
        "els => els.map(e => e.innerText)",
    )
    return json.dumps({"img": sorted(s[-200:] for s in srcs), "labels": labels})


def run_session(
    page: Any,
    rec: Recorder | None,
    code: str,
    *,
    max_pages: int = 80,
    on_item: Callable[[Any], None] | None = None,
) -> None:
    """Go through a whole session like a participant until ``code`` shows."""
    for _ in range(max_pages):
        settle(page)
        if rec is not None:
            rec.snapshot(page)
        if code in page.inner_text("body"):
            return
        ks = keys(page)
        probes = sorted(k for k in ks if k.startswith("probe-"))
        sliders = sorted(k for k in ks if k.startswith("hypothesis-"))
        if probes or sliders or "submit" in ks:
            if on_item is not None:
                on_item(page)
            for k in probes:
                choose(page, k, 0)
            for n, k in enumerate(sliders):
                nudge_slider(page, k, 1 if n % 2 else -1)
            if rec is not None:
                rec.snapshot(page)
            click_key(page, "submit")
        elif "consent" in ks:
            click_key(page, "consent")
            if "start" in keys(page) and "consent" in keys(page):
                click_key(page, "start")
        elif "start" in ks:
            click_key(page, "start")
        elif "next" in ks:  # training feedback: go on
            click_key(page, "next")
        else:
            buttons = page.locator(
                "[data-testid='stMainBlockContainer'] button:not([kind='elementToolbar']):visible"
            )
            assert buttons.count(), (
                f"stuck on a page without buttons: {page.inner_text('body')[:300]}"
            )
            buttons.first.click()
            settle(page)
    raise AssertionError(f"no completion code {code!r} after {max_pages} pages")


def open_link(page: Any, url: str) -> None:
    page.goto(url)
    settle(page)


# --- accessibility ------------------------------------------------------------------------------

AXE_JS = ROOT / "tests" / "browser" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core from npm (``npm install --prefix tests/browser/axe``; scripts/test-all.sh does)."""
SEVERE = ("serious", "critical")


def axe_violations(page: Any, impacts: tuple[str, ...] = SEVERE) -> list[dict[str, Any]]:
    """Run axe-core on the page as it stands: its violations of the given impacts, each with
    the rule id, help text and the offending elements' selectors."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run scripts/test-all.sh (npm install)", pytrace=False)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}))"
    )
    return [v for v in found if v["impact"] in impacts]
