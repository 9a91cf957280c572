"""The bot policy: what a simulated participant does on each page, and many of them at once.

A bot opens the study link, consents, starts, answers every item (random letters, or the truth
with ``answer="oracle"``) and must reach the completion code; with ``think`` it pauses like a
person before each click while the page's timers keep firing.

A bot is as patient as a person through a fault, for ``patience`` seconds at a stretch: when
the connection drops (a server restart) it opens its link again, as a reload would; on the
"briefly unavailable" page it waits and presses "Try again"; when a submit leaves the same item
on the page (it was not saved) it waits and submits again. What it submitted goes to ``log``, one
record per submit and one at the end, so a rehearsal can be checked against the database.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from hhvalues.cli.bots.client import BotError, ConnectionLost, StreamlitClient
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
    reconnects: int = 0
    """Times the connection was opened again after it dropped (a server restart)."""
    retries: int = 0
    """"Try again" presses on the unavailable page and submits sent again after one failed."""
    first_item: float | None = None
    """Seconds from opening the link to the end of the run that showed the first item page
    (consent and instructions on the way, pauses included); None when none was reached."""


Log = Callable[[dict[str, Any]], None]
"""Where a bot reports each submit and its end (``hhvalues bots --log``: one JSON line each)."""
Mark = Callable[[str], None]
"""Called (in a thread) with a bot's link token once the app has given it one: ``hhvalues
bots`` marks that participant as a rehearsal in the database, before the bot's first answer."""
RETRY_SECONDS = (0.5, 1.5)
"""How long a bot waits before trying again after a fault (uniform in this range)."""


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
        patience: float = 120.0,
        log: Log | None = None,
        on_page: Callable[[Page], None] | None = None,
        prologue_think: float | None = None,
        timers: bool = True,
        mark: Mark | None = None,
    ) -> None:
        self.result = BotResult(index)
        self.mark = mark
        self._marked: str | None = None
        """The token last passed to ``mark``."""
        self.base_url, self.timeout = base_url, timeout
        self.client = StreamlitClient(base_url, urlencode({"study": study}), timeout=timeout)
        self.answer, self.oracle, self.code = answer, oracle, completion_code
        self.rng = random.Random(seed if seed is not None else index)
        self.max_pages, self.think, self.on_page = max_pages, think, on_page
        self.patience, self.log = patience, log
        self.prologue_think = think if prologue_think is None else prologue_think
        """Mean pause before each click until the first item shows (consent, instructions)."""
        self.timers = timers
        """Fire the page's ``run_every`` timers while pausing, as a browser does (False only
        for a what-if: the server's cost of a page whose countdown runs in the browser)."""
        self._opened = time.perf_counter()
        self._trouble_since: float | None = None
        self._last_submit: str | None = None
        """Signature of the item last submitted, until the page moves on from it."""
        self._done_reruns = (0, 0)
        """Fragment and timer reruns of the connections before this one."""

    async def run(self) -> BotResult:
        """Go through the whole session; errors end up in ``result.error``."""
        self._opened = time.perf_counter()
        try:
            await self.client.connect()
            while True:
                try:
                    await self._session()
                    break
                except ConnectionLost as exc:
                    await self._reconnect(str(exc))
        except BotError as exc:
            self.result.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a bot must report, never crash the others
            self.result.error = f"{type(exc).__name__}: {exc}"
        finally:
            await self.client.close()
        fragments, timers = self._done_reruns
        self.result.fragment_reruns = fragments + self.client.fragment_reruns
        self.result.ticks = timers + self.client.auto_rerun_count
        self._log("end", completion_code=self.result.completion_code, error=self.result.error)
        return self.result

    async def _reconnect(self, why: str) -> None:
        """Open the link again (the token once it is in the URL), as a person reloading does,
        until the server answers; BotError after ``patience`` seconds."""
        self.result.reconnects += 1
        fragments, timers = self._done_reruns
        self._done_reruns = (
            fragments + self.client.fragment_reruns,
            timers + self.client.auto_rerun_count,
        )
        query = self.client.query_string
        deadline = time.monotonic() + self.patience
        while True:
            await self.client.close()
            self.client = StreamlitClient(self.base_url, query, timeout=self.timeout)
            try:
                await self.client.connect()
                return
            except ConnectionLost:
                if time.monotonic() > deadline:
                    raise BotError(
                        f"the app did not come back within {self.patience:g} s ({why})"
                    ) from None
                await asyncio.sleep(self.rng.uniform(*RETRY_SECONDS))

    def _log(self, event: str, **fields: Any) -> None:
        if self.log is None:
            return
        token = self.result.token
        self.log(
            {
                "bot": self.result.index,
                "event": event,
                "at": time.time(),
                "token_sha256": hashlib.sha256(token.encode()).hexdigest() if token else None,
                **fields,
            }
        )

    async def _in_trouble(self, what: str) -> None:
        """A fault showed (unavailable page, an unsaved submit): wait a moment, or give up once
        it has lasted ``patience`` seconds."""
        now = time.monotonic()
        if self._trouble_since is None:
            self._trouble_since = now
        elif now - self._trouble_since > self.patience:
            raise BotError(f"{what} for more than {self.patience:g} s")
        self.result.retries += 1
        await asyncio.sleep(self.rng.uniform(*RETRY_SECONDS))

    async def _page(self, **kw: Any) -> Page:
        if kw:  # a human's pause before each click or change
            await self._pause()
        page = self._after(await self.client.rerun(**kw))
        token = self.result.token
        if self.mark is not None and token is not None and token != self._marked:
            await asyncio.to_thread(self.mark, token)
            self._marked = token
        return page

    async def _pause(self) -> None:
        """Think for ``think`` ± 50% seconds (``prologue_think`` before the first item);
        meanwhile the page's timers fire as in a browser (the countdown fragment reruns every
        second)."""
        think = self.think if self.result.first_item is not None else self.prologue_think
        if not think:
            return
        now = time.monotonic()
        end = now + think * self.rng.uniform(0.5, 1.5)
        timers = self.client.auto_reruns.items() if self.timers else ()
        due = {f: self._next_due(f, every, now) for f, every in timers}
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
        if self.result.first_item is None and _is_item(page):
            self.result.first_item = time.perf_counter() - self._opened
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
            if "retry" in widgets:  # the database is away: the "briefly unavailable" page
                await self._in_trouble("the app was unavailable")
                page = await self._page(trigger=widgets["retry"][1].id)
                continue
            signature = page.item_signature()
            if signature is not None and signature == self._last_submit:
                await self._in_trouble("a submit was not saved")  # the same item came back
            elif self._trouble_since is not None:
                self._trouble_since = None
            if any(k.startswith(("probe-", "hypothesis-")) for k in widgets) or "submit" in widgets:
                page = await self._answer(page, widgets)
                if page.item_signature() == signature and signature is not None:
                    continue  # not saved: tried again above, not a page that fails to change
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
        signature = page.item_signature()
        for key in sorted(widgets):
            if page.item_signature() != signature:
                return page  # the page moved on (a fault, a timeout): the session loop decides
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
        if page.item_signature() != signature:
            return page
        if "submit" not in widgets:
            raise BotError(f"an item page without a 'submit' button: {page.text()[:200]!r}")
        await self._pause()
        sent = _answers_on(page, self.client.widget_states)
        t0, at = time.perf_counter(), time.time()
        self._last_submit = signature
        try:
            page = await self.client.rerun(trigger=widgets["submit"][1].id)
        except ConnectionLost:
            self._log("submit", item=signature, **sent, sent_at=at, outcome="connection lost")
            raise
        self.result.latencies.append(time.perf_counter() - t0)
        stored = page.item_signature() != signature
        self._log(
            "submit", item=signature, **sent, sent_at=at, outcome="next" if stored else "same"
        )
        if stored:
            self.result.items += 1
        return self._after(page)


def _is_item(page: Page) -> bool:
    """An item page: probes or hypothesis sliders to answer, or a submit button."""
    return any(k.startswith(("probe-", "hypothesis-")) or k == "submit" for k in page.widgets())


def _answers_on(page: Page, states: dict[str, Any]) -> dict[str, Any]:
    """What the item page's widgets hold as the browser sends them: the letter shown for each
    probe (None: none chosen), the value of each hypothesis slider."""
    choices: dict[str, str | None] = {}
    sliders: dict[str, float] = {}
    for key, (_, proto) in page.widgets().items():
        value = states.get(proto.id, (None, None))[1]
        if key.startswith("probe-"):
            choices[key[len("probe-") :]] = _letter(value if isinstance(value, str) else None)
        elif key.startswith("hypothesis-") and isinstance(value, list) and value:
            sliders[key[len("hypothesis-") :]] = float(value[0])
    return {"choices": choices, "hypothesis": sliders or None}


def _letter(label: str | None) -> str | None:
    m = re.match(r"^\W*([AB])\b", (label or "").strip())
    return m.group(1) if m else None


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
    patience: float = 120.0,
    log: Log | None = None,
    arrive_within: float = 0.0,
    prologue_think: float | None = None,
    timers: bool = True,
    mark: Mark | None = None,
) -> list[BotResult]:
    """Run ``count`` bots concurrently against the app at ``base_url``.

    ``stagger`` starts bot ``i`` after ``stagger * i`` seconds; ``arrive_within`` instead opens
    each link at a random moment in that many seconds (:func:`arrival_offsets`), as a
    recruiting platform's first minutes do. ``prologue_think`` is the mean pause before each
    click until the first item (default: ``think``). ``timers=False`` leaves the pages'
    ``run_every`` timers unfired (a what-if, see :class:`Bot`). ``mark`` is called with each
    bot's token as soon as it has one (:data:`Mark`).
    """
    offsets = arrival_offsets(count, arrive_within, seed) if arrive_within else None

    async def one(i: int) -> BotResult:
        if offsets is not None:
            await asyncio.sleep(offsets[i])
        elif stagger:
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
            patience=patience,
            log=log,
            prologue_think=prologue_think,
            timers=timers,
            mark=mark,
        )
        return await bot.run()

    return list(await asyncio.gather(*(one(i) for i in range(count))))


def arrival_offsets(count: int, within: float, seed: int = 0) -> list[float]:
    """When each of ``count`` bots opens its link: independent uniform moments in
    ``[0, within)`` seconds (bursts and lulls as real arrivals have), the same for a seed."""
    rng = random.Random(f"arrivals-{seed}")
    return [rng.uniform(0.0, within) for _ in range(count)]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation; nan when empty."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


__all__ = [
    "RETRY_SECONDS",
    "Bot",
    "BotResult",
    "Log",
    "Mark",
    "Oracle",
    "arrival_offsets",
    "percentile",
    "run_bots",
]
