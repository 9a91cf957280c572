"""The bot policy: what a simulated participant does on each page, and many of them at once.

A bot opens the study link, consents, starts, answers every item (random letters, or the truth
with ``answer="oracle"``) and must reach the completion code; with ``think`` it pauses like a
person before each click while the page's timers keep firing.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from hhvalues.cli.bots.client import BotError, StreamlitClient
from hhvalues.cli.bots.page import Page

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from hhvalues.store.participation import ItemTruth


class Oracle:
    """The truth of a participant's current item, read through the store, server-side."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def current(self, token: str) -> ItemTruth | None:
        """The item the link shows now with its truth (None for an unknown or finished link)."""
        from hhvalues.store.participation import current_item_truth  # the store loads on use

        return current_item_truth(self.engine, token)


@dataclass
class BotResult:
    """What one simulated participant did."""

    index: int
    completion_code: str | None = None
    token: str | None = None
    items: int = 0
    latencies: list[float] = field(default_factory=list)
    """Seconds from sending each submit rerun to the end of the run that shows the next page."""
    error: str | None = None
    pages: int = 0
    fragment_reruns: int = 0
    """Of ``pages``, how many reran only a fragment (answer changes, replays), not the page."""
    ticks: int = 0
    """Timer reruns (the countdown's ``run_every``) sent while pausing; not in ``pages``."""


def _token_of(query_string: str) -> str | None:
    values = parse_qs(query_string).get("t")
    return values[0] if values else None


def _option_index(options: list[str], letter: str) -> int:
    """Index of the option shown as ``letter`` (A/B): by its label, else by position."""
    for i, label in enumerate(options):
        if re.match(rf"^\W*{letter}\b", label.strip()):
            return i
    return 0 if letter == "A" else min(1, len(options) - 1)


class Bot:
    """A simulated participant: consent, start, every item answered, the completion code."""

    def __init__(
        self,
        index: int,
        base_url: str,
        study: str,
        *,
        answer: str = "random",
        oracle: Oracle | None = None,
        completion_code: str | None = None,
        seed: int | None = None,
        max_pages: int = 2000,
        timeout: float = 60.0,
        think: float = 0.0,
        on_page: Callable[[Page], None] | None = None,
    ) -> None:
        self.result = BotResult(index)
        self.client = StreamlitClient(base_url, urlencode({"study": study}), timeout=timeout)
        self.answer, self.oracle, self.code = answer, oracle, completion_code
        self.rng = random.Random(seed if seed is not None else index)
        self.max_pages, self.think, self.on_page = max_pages, think, on_page

    async def run(self) -> BotResult:
        """Go through the whole session; errors end up in ``result.error``."""
        try:
            async with self.client:
                await self._session()
        except BotError as exc:
            self.result.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a bot must report, never crash the others
            self.result.error = f"{type(exc).__name__}: {exc}"
        self.result.fragment_reruns = self.client.fragment_reruns
        self.result.ticks = self.client.auto_rerun_count
        return self.result

    async def _page(self, **kw: Any) -> Page:
        if self.think and kw:  # a human's pause before each click or change
            await self._pause()
        return self._after(await self.client.rerun(**kw))

    async def _pause(self) -> None:
        """Think for ``think`` ± 50% seconds; meanwhile the page's timers fire as in a browser
        (the countdown fragment reruns every second)."""
        now = time.monotonic()
        end = now + self.think * self.rng.uniform(0.5, 1.5)
        due = {f: self._next_due(f, every, now) for f, every in self.client.auto_reruns.items()}
        while due:
            fragment, at = min(due.items(), key=lambda kv: kv[1])
            if at >= end:
                break
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            page = await self.client.tick(fragment)
            if self.on_page is not None:
                self.on_page(page)
            if page.exceptions:
                raise BotError(f"the app raised: {page.exceptions[0]}")
            every = self.client.auto_reruns.get(fragment)
            if every is None:  # the timer went away with the page
                due.pop(fragment)
            else:
                due[fragment] = at + every
        await asyncio.sleep(max(0.0, end - time.monotonic()))

    def _next_due(self, fragment: str, every: float, now: float) -> float:
        """The next time the browser's interval of this fragment fires, after ``now``."""
        since = self.client.auto_rerun_since.get(fragment, now)
        return since + every * (math.floor((now - since) / every) + 1) if every > 0 else now

    def _after(self, page: Page) -> Page:
        self.result.pages += 1
        self.result.token = _token_of(self.client.query_string) or self.result.token
        if self.on_page is not None:
            self.on_page(page)
        if page.exceptions:
            raise BotError(f"the app raised: {page.exceptions[0]}")
        if self.result.pages > self.max_pages:
            raise BotError(f"no completion code after {self.max_pages} pages")
        return page

    async def _session(self) -> None:
        page = await self._page()
        stuck = 0
        while True:
            if self._done(page):
                return
            widgets = page.widgets()
            before = (page.text(), tuple(sorted(widgets)))
            if any(k.startswith(("probe-", "hypothesis-")) for k in widgets) or "submit" in widgets:
                page = await self._answer(page, widgets)
            elif "consent" in widgets:
                page = await self._activate(widgets["consent"])
                widgets = page.widgets()
                if "start" in widgets and "consent" in widgets:  # consent and start on one page
                    page = await self._activate(widgets["start"])
            elif "start" in widgets:
                page = await self._activate(widgets["start"])
            elif "next" in widgets:  # after a training item's feedback
                page = await self._activate(widgets["next"])
            else:
                buttons = [(k, p) for k, p in page.all_widget_protos() if k == "button"]
                if not buttons:
                    raise BotError(
                        "a page with neither a known widget nor a button, and no "
                        f"completion code: {page.text()[:200]!r}"
                    )
                page = await self._activate(buttons[0])  # e.g. 'continue' after feedback
            after = (page.text(), tuple(sorted(page.widgets())))
            stuck = stuck + 1 if after == before else 0
            if stuck >= 3:
                raise BotError(f"the page does not change: {page.text()[:200]!r}")

    def _done(self, page: Page) -> bool:
        text = page.text()
        if self.code and self.code in text:
            self.result.completion_code = self.code
            return True
        if not self.code:
            m = re.search(r"completion code\W+([A-Z0-9]{4,})", text, re.IGNORECASE)
            if m:
                self.result.completion_code = m.group(1)
                return True
        return False

    async def _activate(self, widget: tuple[str, Any]) -> Page:
        kind, proto = widget
        if kind == "checkbox":
            return await self._page(set_values={proto.id: ("bool_value", True)})
        return await self._page(trigger=proto.id)

    async def _answer(self, page: Page, widgets: dict[str, tuple[str, Any]]) -> Page:
        truth = None
        if self.answer == "oracle":
            assert self.oracle is not None and self.result.token is not None
            truth = await asyncio.to_thread(self.oracle.current, self.result.token)
        for key in sorted(widgets):
            kind, proto = widgets[key]
            if key.startswith("probe-") and kind in ("radio", "selectbox"):
                pid = key[len("probe-") :]
                if truth is not None and pid in truth.answers:
                    letter = truth.assigned.swap(pid, truth.answers[pid])
                else:
                    letter = self.rng.choice(("A", "B"))
                idx = _option_index(list(proto.options), letter)
                page = await self._page(set_values={proto.id: ("string_value", proto.options[idx])})
            elif key.startswith("hypothesis-") and kind == "slider":
                fid = key[len("hypothesis-") :]
                lo, hi = proto.min, proto.max
                if truth is not None and fid in truth.weights:
                    v = min(hi, max(lo, truth.weights[fid]))
                else:
                    v = float(self.rng.randint(int(lo), int(hi)))
                page = await self._page(set_values={proto.id: ("double_array_value", [v])})
        widgets = page.widgets()
        if "submit" not in widgets:
            raise BotError(f"an item page without a 'submit' button: {page.text()[:200]!r}")
        if self.think:
            await self._pause()
        t0 = time.perf_counter()
        page = await self.client.rerun(trigger=widgets["submit"][1].id)
        self.result.latencies.append(time.perf_counter() - t0)
        self.result.items += 1
        return self._after(page)


async def run_bots(
    base_url: str,
    study: str,
    count: int,
    *,
    answer: str = "random",
    oracle: Oracle | None = None,
    completion_code: str | None = None,
    timeout: float = 60.0,
    stagger: float = 0.0,
    seed: int = 0,
    think: float = 0.0,
) -> list[BotResult]:
    """Run ``count`` bots concurrently against the app at ``base_url``."""

    async def one(i: int) -> BotResult:
        if stagger:
            await asyncio.sleep(stagger * i)
        bot = Bot(
            i,
            base_url,
            study,
            answer=answer,
            oracle=oracle,
            completion_code=completion_code,
            seed=seed * 100_003 + i,
            timeout=timeout,
            think=think,
        )
        return await bot.run()

    return list(await asyncio.gather(*(one(i) for i in range(count))))


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation; nan when empty."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


__all__ = ["Bot", "BotResult", "Oracle", "percentile", "run_bots"]
