"""``hhvalues bots``: simulated participants driven through the real running app.

In the manner of oTree's bots, each bot is a participant who opens the study link, consents,
starts, answers every item and reaches the completion code — through the *running* Streamlit
server, not a copy of its logic. A browser per bot is too heavy for dozens of bots on a small
machine, so each bot speaks Streamlit's own websocket protocol, as the browser does:

* connect to ``ws://HOST/_stcore/stream`` with the ``streamlit`` subprotocol (the browser puts
  an XSRF token and a session id in the 2nd/3rd subprotocol entries; both are optional and only
  matter for login cookies and reconnects);
* send ``BackMsg.rerun_script`` (``ClientState``: query string, every widget state, page hash);
* read ``ForwardMsg``: ``new_session`` opens a script run, ``delta`` adds elements and blocks at
  ``metadata.delta_path``, ``page_info_changed`` rewrites the query string (the app puts the
  minted token in the URL), ``script_finished`` ends the run.

Widgets are found by their user keys (element ids are ``$$ID-<hash>-<key>``): ``consent``,
``start``, ``probe-<probe id>``, ``hypothesis-<feature id>``, ``submit`` and the ``countdown``
element (issue 3, stable selectors). Clicking a button is a rerun with ``trigger_value``.

``--answer oracle`` reads the truth from the database in this process (a researcher tool run
on the server); the browser-facing app is never asked for it.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import click

from hhvalues.cli.app import cli
from hhvalues.errors import HHValuesError

_ID = re.compile(r"^\$\$ID-[0-9a-f]+-(.*)$")
_CLOCK = re.compile(r"(\d+):(\d{2})")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)")
_WIDGETS = ("button", "checkbox", "radio", "slider", "selectbox", "button_group", "text_input",
            "text_area", "number_input", "multiselect")
_DONE = (0, 1, 3)  # FINISHED_SUCCESSFULLY, _WITH_COMPILE_ERROR, _FRAGMENT_RUN_SUCCESSFULLY
_EARLY = 2  # FINISHED_EARLY_FOR_RERUN


class BotError(HHValuesError):
    """A bot could not finish: the app misbehaved, timed out or refused."""


# --- the page as the browser would hold it ------------------------------------------------------


def user_key(element_id: str) -> str | None:
    """The user key inside an element id (``$$ID-<hash>-<key>``), None when there is none."""
    m = _ID.match(element_id or "")
    if not m or m.group(1) == "None":
        return None
    return m.group(1)


def _texts(message: Any) -> Iterable[str]:
    """Every string field of a protobuf message, depth first."""
    for desc, value in message.ListFields():
        repeated = _repeated(desc)
        if desc.type == desc.TYPE_STRING:
            yield from (value if repeated else [value])
        elif desc.type == desc.TYPE_MESSAGE and not desc.message_type.GetOptions().map_entry:
            for v in (value if repeated else [value]):
                yield from _texts(v)


def _repeated(desc: Any) -> bool:
    flag = getattr(desc, "is_repeated", None)
    return bool(flag) if flag is not None else desc.label == 3  # LABEL_REPEATED


@dataclass
class Page:
    """The elements and blocks of one finished script run, by delta path."""

    elements: dict[tuple[int, ...], Any] = field(default_factory=dict)
    blocks: dict[tuple[int, ...], Any] = field(default_factory=dict)
    query_string: str = ""
    status: int | None = None
    exceptions: list[str] = field(default_factory=list)
    fragment_of: dict[tuple[int, ...], str] = field(default_factory=dict)
    """Delta path → id of the fragment that wrote it (elements and blocks written in one)."""

    def fragment_of_widget(self, widget_id: str) -> str | None:
        """The fragment a widget belongs to: a change to it reruns only that fragment."""
        for path, el in self.elements.items():
            kind = el.WhichOneof("type")
            if kind in _WIDGETS and getattr(el, kind).id == widget_id:
                return self.fragment_of.get(path)
        return None

    def without_fragment(self, fragment_id: str) -> Page:
        """A copy without what ``fragment_id`` wrote: the base its rerun writes into."""
        keep = {p for p, f in self.fragment_of.items() if f != fragment_id}
        return Page({p: e for p, e in self.elements.items()
                     if p not in self.fragment_of or p in keep},
                    {p: b for p, b in self.blocks.items()
                     if p not in self.fragment_of or p in keep},
                    self.query_string, None, [], {p: f for p, f in self.fragment_of.items()
                                                  if p in keep})

    def widgets(self) -> dict[str, tuple[str, Any]]:
        """User key → (widget type, proto) of every keyed widget."""
        out = {}
        for el in self.elements.values():
            kind = el.WhichOneof("type")
            if kind in _WIDGETS:
                proto = getattr(el, kind)
                key = user_key(proto.id)
                if key is not None:
                    out[key] = (kind, proto)
        return out

    def all_widget_protos(self) -> list[tuple[str, Any]]:
        """(type, proto) of every widget, keyed or not."""
        out = []
        for el in self.elements.values():
            kind = el.WhichOneof("type")
            if kind in _WIDGETS:
                out.append((kind, getattr(el, kind)))
        return out

    def text(self) -> str:
        """All the text of the page (labels, markdown, captions, options)."""
        return "\n".join(s for el in self.elements.values() for s in _texts(el))

    def keyed_text(self, key: str) -> str | None:
        """Text of the element keyed ``key``, or of everything inside the block keyed ``key``."""
        for path, block in self.blocks.items():
            if user_key(block.id) == key:
                n = len(path)
                return "\n".join(s for p, el in sorted(self.elements.items())
                                 if p[:n] == path for s in _texts(el))
        for el in self.elements.values():
            kind = el.WhichOneof("type")
            proto = getattr(el, kind) if kind else None
            if proto is not None and hasattr(proto, "id") and user_key(proto.id) == key:
                return "\n".join(_texts(el))
        return None

    def countdown(self) -> float | None:
        """Seconds shown by the ``countdown`` element (``m:ss`` or a plain number)."""
        return parse_seconds(self.keyed_text("countdown"))


def parse_seconds(text: str | None) -> float | None:
    """Seconds in a countdown text: ``1:05`` → 65, ``65 s`` → 65; None when there is none."""
    if not text:
        return None
    m = _CLOCK.search(text)
    if m:
        return int(m.group(1)) * 60 + int(m.group(2))
    m = _NUMBER.search(text)
    return float(m.group(1)) if m else None


# --- the websocket client -------------------------------------------------------------------


class StreamlitClient:
    """One browser tab's worth of Streamlit protocol: a session over one websocket."""

    def __init__(self, base_url: str, query_string: str = "", *, timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        path = parts.path.rstrip("/")
        self.ws_url = f"{scheme}://{parts.netloc}{path}/_stcore/stream"
        self.query_string = query_string
        self.timeout = timeout
        self.page_script_hash = ""
        self.page = Page()
        self.widget_states: dict[str, Any] = {}
        self._ws: Any = None
        self._building = Page()
        self._fragment_run: str | None = None
        """The fragment the rerun in flight is limited to (None: the whole page)."""
        self.fragment_reruns = 0
        """Reruns limited to one fragment (a change to a widget inside one)."""
        self.auto_reruns: dict[str, float] = {}
        """Fragment id → seconds between the reruns the page asks the browser for (``run_every``)."""
        self.auto_rerun_since: dict[str, float] = {}
        """Fragment id → when its timer started (monotonic): a browser's interval keeps running
        across reruns of other fragments, so a timer of more than a pause still fires."""
        self.auto_rerun_count = 0
        """Timer reruns sent (see :meth:`tick`)."""
        self._finished: asyncio.Queue[Page] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None
        self.frames: list[bytes] | None = None
        """Set to a list to keep every received frame (for secrecy scans)."""

    async def connect(self) -> None:
        """Open the websocket (no Origin header: the server allows that, as for any non-browser)."""
        from websockets.asyncio.client import connect

        self._ws = await connect(self.ws_url, subprotocols=["streamlit"],  # type: ignore[list-item]
                                 max_size=None, open_timeout=self.timeout, ping_interval=None)
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        """Close the websocket."""
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass

    async def __aenter__(self) -> StreamlitClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _read(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        try:
            async for data in self._ws:
                if isinstance(data, str):
                    continue
                if self.frames is not None:
                    self.frames.append(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg)
        except Exception as exc:  # connection closed or broken: wake up any waiter
            page = Page(status=-1, exceptions=[f"connection lost: {type(exc).__name__}: {exc}"])
            self._finished.put_nowait(page)
            return
        self._finished.put_nowait(Page(status=-1, exceptions=["connection closed by the server"]))

    def _handle(self, msg: Any) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            if self._fragment_run:  # only that fragment is rewritten; the rest of the page stays
                self._building = self.page.without_fragment(self._fragment_run)
            else:
                self._building = Page(query_string=self.query_string)
                self.auto_reruns, self.auto_rerun_since = {}, {}  # a new page sets its own timers
            ph = msg.new_session.page_script_hash
            if ph:
                self.page_script_hash = ph
        elif kind == "delta":
            path = tuple(msg.metadata.delta_path)
            delta = msg.delta
            dkind = delta.WhichOneof("type")
            target = self._building
            if delta.fragment_id:  # written inside a fragment, in a full run or a fragment run
                target.fragment_of[path] = delta.fragment_id
            if dkind == "new_element":
                el = delta.new_element
                target.elements[path] = el
                if el.WhichOneof("type") == "exception":
                    target.exceptions.append(f"{el.exception.type}: {el.exception.message}")
            elif dkind == "add_block":
                target.blocks[path] = delta.add_block
                n = len(path)
                for p in [p for p in target.elements if p[:n] == path]:
                    del target.elements[p]
        elif kind == "auto_rerun":
            fid, every = msg.auto_rerun.fragment_id, float(msg.auto_rerun.interval)
            if self.auto_reruns.get(fid) != every:
                self.auto_rerun_since[fid] = time.monotonic()
            self.auto_reruns[fid] = every
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
            self._building.query_string = self.query_string
        elif kind == "script_finished":
            if msg.script_finished == _EARLY:  # st.rerun(scope="app"): the whole page follows
                self._fragment_run = None
            elif msg.script_finished in _DONE:
                self._building.status = msg.script_finished
                self._building.query_string = self.query_string
                self.page = self._building
                self._finished.put_nowait(self.page)

    async def tick(self, fragment_id: str) -> Page:
        """Rerun a ``run_every`` fragment, as the browser's timer does, and wait for its page."""
        self.auto_rerun_count += 1
        return await self.rerun(auto_fragment=fragment_id)

    async def rerun(self, *, trigger: str | None = None, set_values: Mapping[str, Any] | None = None,
                    auto_fragment: str | None = None) -> Page:
        """Send one rerun (as a browser does after a widget changes) and wait for its page.

        ``set_values`` maps widget ids to new values (already in proto form, see
        :meth:`set_widget`); ``trigger`` is the id of a button clicked in this rerun;
        ``auto_fragment`` makes it a timer rerun of that fragment (see :meth:`tick`).
        """
        from streamlit.proto.BackMsg_pb2 import BackMsg

        while not self._finished.empty():
            self._finished.get_nowait()
        for wid, value in (set_values or {}).items():
            self.widget_states[wid] = value
        # As the browser does: a change to a widget inside a fragment reruns only that fragment.
        changed = [*(set_values or {}), *([trigger] if trigger else [])]
        owners = {self.page.fragment_of_widget(w) for w in changed}
        self._fragment_run = auto_fragment or (owners.pop() if len(owners) == 1 else None)
        back = BackMsg()
        cs = back.rerun_script
        cs.query_string = self.query_string
        cs.page_script_hash = self.page_script_hash
        if auto_fragment:
            cs.fragment_id = auto_fragment
            cs.is_auto_rerun = True
        elif self._fragment_run:
            cs.fragment_id = self._fragment_run
            self.fragment_reruns += 1
        for wid, value in self.widget_states.items():
            _fill(cs.widget_states.widgets.add(), wid, value)
        if trigger is not None:
            w = cs.widget_states.widgets.add()
            w.id = trigger
            w.trigger_value = True
        await self._ws.send(back.SerializeToString())
        try:
            page = await asyncio.wait_for(self._finished.get(), self.timeout)
        except TimeoutError:
            raise BotError(f"the app did not finish a run within {self.timeout:g} s") from None
        if page.status == -1:
            raise BotError(page.exceptions[0])
        self._register_defaults(page)
        return page

    def _register_defaults(self, page: Page) -> None:
        """Keep the states of widgets on this page, forget the others, and take the values the
        script set (a widget keyed like one on the last item, reset for this one), as the
        frontend does."""
        present: dict[str, tuple[str, Any]] = {p.id: (k, p) for k, p in page.all_widget_protos()}
        self.widget_states = {k: v for k, v in self.widget_states.items() if k in present}
        for wid, (kind, proto) in present.items():
            if getattr(proto, "set_value", False):  # set by the script (session_state): take it
                value = _default(kind, proto)
                if value is None:
                    self.widget_states.pop(wid, None)
                else:
                    self.widget_states[wid] = value
                continue
            if wid in self.widget_states:
                continue
            default = _default(kind, proto)
            if default is not None:
                self.widget_states[wid] = default


def _default(kind: str, proto: Any) -> tuple[str, Any] | None:
    if kind == "checkbox":
        return ("bool_value", proto.value if proto.set_value else proto.default)
    if kind in ("radio", "selectbox"):  # the value is the formatted option (1.67: string_value)
        if proto.HasField("raw_value"):
            return ("string_value", proto.raw_value)
        if proto.HasField("default") and 0 <= proto.default < len(proto.options):
            return ("string_value", proto.options[proto.default])
        return None
    if kind == "slider":
        values = list(proto.value) if proto.set_value else list(proto.default)
        return ("double_array_value", values)
    return None


def _fill(w: Any, wid: str, value: tuple[str, Any]) -> None:
    w.id = wid
    field_name, v = value
    if field_name == "double_array_value":
        w.double_array_value.data.extend(v)
    elif field_name == "string_array_value":
        w.string_array_value.data.extend(v)
    elif field_name == "int_array_value":
        w.int_array_value.data.extend(v)
    else:
        setattr(w, field_name, v)


# --- the truth, server-side ------------------------------------------------------------------


class Oracle:
    """Truth and A/B sides of a participant's current item, read from the database."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def current(self, token: str) -> tuple[str, dict[str, str], dict[str, float], set[str]] | None:
        """(item id, truth answers, truth weights, flipped probes) of the item now shown."""
        from sqlmodel import select

        from hhvalues.store.db import AnswerRow, ItemRow, ParticipantRow, StudyRow, read_session
        from hhvalues.store.studies import hash_token

        with read_session(self.engine) as session:
            p = session.exec(select(ParticipantRow).where(
                ParticipantRow.token_hash == hash_token(token))).first()
            if p is None:
                return None
            final = set(session.exec(select(AnswerRow.item_id).where(
                AnswerRow.participant_id == p.id, AnswerRow.draft == False)).all())
            entry = next((e for e in p.assignment if e["item"] not in final), None)
            if entry is None:
                return None
            study = session.get(StudyRow, p.study_id)
            assert study is not None
            truth = session.exec(select(ItemRow.truth).where(
                ItemRow.bank_id == study.bank_id, ItemRow.item_id == entry["item"])).one()
            truth = truth or {}
            return (entry["item"], dict(truth.get("answers", {})),
                    {k: float(v) for k, v in truth.get("weights", {}).items()}, set(entry["flip"]))


# --- one bot -----------------------------------------------------------------------------------


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


_FLIP = {"A": "B", "B": "A"}


def _option_index(options: list[str], letter: str) -> int:
    """Index of the option shown as ``letter`` (A/B): by its label, else by position."""
    for i, label in enumerate(options):
        if re.match(rf"^\W*{letter}\b", label.strip()):
            return i
    return 0 if letter == "A" else min(1, len(options) - 1)


class Bot:
    """A simulated participant: consent, start, every item answered, the completion code."""

    def __init__(self, index: int, base_url: str, study: str, *, answer: str = "random",
                 oracle: Oracle | None = None, completion_code: str | None = None,
                 seed: int | None = None, max_pages: int = 2000, timeout: float = 60.0,
                 think: float = 0.0, on_page: Callable[[Page], None] | None = None) -> None:
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
        except Exception as exc:  # a bot must report, never crash the others
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
                    raise BotError("a page with neither a known widget nor a button, and no "
                                   f"completion code: {page.text()[:200]!r}")
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
                pid = key[len("probe-"):]
                if truth is not None and pid in truth[1]:
                    shown = truth[1][pid]
                    letter = _FLIP[shown] if pid in truth[3] else shown
                else:
                    letter = self.rng.choice("AB")
                idx = _option_index(list(proto.options), letter)
                page = await self._page(set_values={proto.id: ("string_value", proto.options[idx])})
            elif key.startswith("hypothesis-") and kind == "slider":
                fid = key[len("hypothesis-"):]
                lo, hi = proto.min, proto.max
                if truth is not None and fid in truth[2]:
                    v = min(hi, max(lo, truth[2][fid]))
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


# --- many bots -------------------------------------------------------------------------------


async def run_bots(base_url: str, study: str, count: int, *, answer: str = "random",
                   oracle: Oracle | None = None, completion_code: str | None = None,
                   timeout: float = 60.0, stagger: float = 0.0, seed: int = 0,
                   think: float = 0.0) -> list[BotResult]:
    """Run ``count`` bots concurrently against the app at ``base_url``."""

    async def one(i: int) -> BotResult:
        if stagger:
            await asyncio.sleep(stagger * i)
        bot = Bot(i, base_url, study, answer=answer, oracle=oracle,
                  completion_code=completion_code, seed=seed * 100_003 + i, timeout=timeout,
                  think=think)
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


@cli.command("bots")
@click.option("--study", "slug", required=True, help="Study to rehearse (open enrolment).")
@click.option("--count", type=click.IntRange(1, 10_000), default=1, show_default=True)
@click.option("--answer", type=click.Choice(["random", "oracle"]), default="random",
              show_default=True, help="oracle reads the truth from the database, server-side.")
@click.option("--url", "base_url", default="http://127.0.0.1:8501", show_default=True,
              help="Where the app runs.")
@click.option("--timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Seconds to wait for any one page.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of random answers.")
@click.option("--think", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Mean seconds a bot pauses before each click (0: as fast as the app allows).")
@click.option("--db", "db_url", default=None, metavar="URL",
              help="Database URL (default: $HHVALUES_DATABASE_URL or data/hhvalues.db).")
def bots_cmd(slug: str, count: int, answer: str, base_url: str, timeout: float, seed: int,
             think: float, db_url: str | None) -> int:
    """Drive COUNT simulated participants through the running app, concurrently.

    Each bot opens BASE/?study=SLUG over Streamlit's websocket protocol, consents, answers
    every item and must reach the completion code. Exit 0 when all did, 2 otherwise.
    """
    from hhvalues.store.db import make_engine
    from hhvalues.store.studies import get_study

    if not base_url.startswith(("http://", "https://")):
        raise BotError(f"--url must start with http:// or https://, got {base_url!r}")
    engine = make_engine(db_url)
    try:
        code = get_study(engine, slug).config.completion_code or None
        oracle = Oracle(engine) if answer == "oracle" else None
        t0 = time.perf_counter()
        results = asyncio.run(run_bots(base_url, slug, count, answer=answer, oracle=oracle,
                                       completion_code=code, timeout=timeout, seed=seed,
                                       think=think))
        wall = time.perf_counter() - t0
    finally:
        engine.dispose()
    lat = [x for r in results for x in r.latencies]
    done = [r for r in results if r.completion_code and not r.error]
    click.echo(f"{len(done)}/{count} bots reached the completion code in {wall:.1f} s; "
               f"{len(lat)} submits, server time submit→next page "
               f"p50 {percentile(lat, 50) * 1000:.0f} ms, p95 {percentile(lat, 95) * 1000:.0f} ms"
               + (f", mean {statistics.fmean(lat) * 1000:.0f} ms" if lat else "")
               + f"; {sum(r.fragment_reruns for r in results)} of "
               f"{sum(r.pages for r in results)} runs were fragment reruns"
               + (f", plus {sum(r.ticks for r in results)} countdown timer reruns" if think else ""))
    failed = [r for r in results if r not in done]
    if failed:
        first = failed[0]
        reason = first.error or "no completion code"
        click.echo(f"error: {len(failed)} of {count} bots did not finish; bot {first.index}: "
                   f"{reason}", err=True)
        return 2
    return 0


__all__ = ["Bot", "BotError", "BotResult", "Oracle", "Page", "StreamlitClient", "parse_seconds",
           "percentile", "run_bots", "user_key"]
