"""One browser tab's worth of Streamlit's websocket protocol, without a browser.

* connect to ``ws://HOST/_stcore/stream`` with the ``streamlit`` subprotocol (the browser puts
  an XSRF token and a session id in the 2nd/3rd subprotocol entries; both are optional and only
  matter for login cookies and reconnects);
* send ``BackMsg.rerun_script`` (``ClientState``: query string, every widget state, page hash);
* read ``ForwardMsg``: ``new_session`` opens a script run, ``delta`` adds elements and blocks at
  ``metadata.delta_path``, ``page_info_changed`` rewrites the query string (the app puts the
  minted token in the URL), ``script_finished`` ends the run.

Clicking a button is a rerun with ``trigger_value``; a change to a widget inside a fragment
reruns only that fragment, as in a browser, and ``run_every`` timers are fired on request
(:meth:`StreamlitClient.tick`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from hhvalues.cli.bots.page import Page
from hhvalues.errors import HHValuesError

_DONE = (0, 1, 3)  # FINISHED_SUCCESSFULLY, _WITH_COMPILE_ERROR, _FRAGMENT_RUN_SUCCESSFULLY
_EARLY = 2  # FINISHED_EARLY_FOR_RERUN


class BotError(HHValuesError):
    """A bot could not finish: the app misbehaved, timed out or refused."""


class ConnectionLost(BotError):
    """The websocket could not be opened, or it closed: the server is down or restarting."""


def check_app(base_url: str, *, timeout: float = 10.0) -> None:
    """BotError, in one line saying what to do, unless a Streamlit app answers its health check
    at ``base_url`` (so a wrong ``--url`` fails before any bot starts, not as N errors)."""
    import urllib.error
    import urllib.request

    url = f"{base_url.rstrip('/')}/_stcore/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            if reply.status == 200:
                return
            why = f"HTTP {reply.status}"
    except urllib.error.HTTPError as exc:
        why = f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        why = str(getattr(exc, "reason", None) or exc)
    raise BotError(
        f"no app answers at {base_url} ({why}): start it (python -m streamlit run serve.py) "
        "or give --url the address it runs at"
    )


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
        """Open the websocket (no Origin header: the server allows that, as for any non-browser);
        :class:`ConnectionLost` when the server does not answer or refuses."""
        from websockets.asyncio.client import connect
        from websockets.exceptions import WebSocketException

        try:
            self._ws = await connect(
                self.ws_url,
                subprotocols=["streamlit"],  # type: ignore[list-item]
                max_size=None,
                open_timeout=self.timeout,
                ping_interval=None,
            )
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise ConnectionLost(f"cannot connect: {type(exc).__name__}: {exc}") from None
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        """Close the websocket."""
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            # the reader ends cancelled or with the connection's error, reported already
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

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
        except Exception as exc:  # noqa: BLE001 - connection closed or broken: wake up any waiter
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

    async def rerun(
        self,
        *,
        trigger: str | None = None,
        set_values: Mapping[str, Any] | None = None,
        auto_fragment: str | None = None,
    ) -> Page:
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
        from websockets.exceptions import ConnectionClosed

        try:
            await self._ws.send(back.SerializeToString())
        except ConnectionClosed as exc:
            raise ConnectionLost(f"connection lost: {exc}") from None
        try:
            page = await asyncio.wait_for(self._finished.get(), self.timeout)
        except TimeoutError:
            raise BotError(f"the app did not finish a run within {self.timeout:g} s") from None
        if page.status == -1:
            raise ConnectionLost(page.exceptions[0])
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


__all__ = ["BotError", "ConnectionLost", "StreamlitClient", "check_app"]
