"""Console downloads, handed only to the signed-in session that asked for them.

A page *offers* a file (:func:`offer`): the offer remembers the console session, the file's
name and type, and how to make it, under a random ticket, and the page links to
``/hhv/download/<ticket>``. Nothing is written before that link is followed. The server route
(:mod:`hhvalues.ui.console.routes`) answers only a request whose session cookie belongs to the same
console session, and only while the session is valid; then it makes the file (an export is
generated and audited at that moment) and streams it. There is no ``/media`` URL, so no window
in which a file waits on the server for anyone who knows its address.

Offers live in this process's memory for :data:`OFFER_SECONDS` (replicas are sticky, README).
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PATH = "/hhv/download/"
"""The route's prefix; a ticket follows."""
OFFER_SECONDS = 600.0
"""How long a link stays good (it is renewed on every run of the page that shows it)."""
MAX_OFFERS = 2000
_SAFE = re.compile(r"[^A-Za-z0-9._-]")

Content = bytes | Path
"""What a maker returns: the bytes, or a temporary file the route streams and then deletes."""


@dataclass(frozen=True, slots=True)
class Offer:
    """One file a console session may download."""

    session_id: int
    key: str
    file_name: str
    media_type: str
    make: Callable[[], Content]
    expires: float
    """``time.monotonic()`` after which the ticket is refused."""


_offers: OrderedDict[str, Offer] = OrderedDict()
_tickets: dict[tuple[int, str], str] = {}
_lock = threading.Lock()


def offer(
    session_id: int,
    key: str,
    *,
    file_name: str,
    media_type: str,
    make: Callable[[], Content],
) -> str:
    """The download URL of a file for one console session (``key``: which file, per session;
    a later offer of the same key replaces the earlier one and keeps its ticket)."""
    now = time.monotonic()
    file_name = _SAFE.sub("_", file_name)[:120] or "download"
    with _lock:
        _drop_expired(now)
        ticket = _tickets.get((session_id, key)) or secrets.token_urlsafe(24)
        _tickets[(session_id, key)] = ticket
        _offers[ticket] = Offer(session_id, key, file_name, media_type, make, now + OFFER_SECONDS)
        _offers.move_to_end(ticket)
        while len(_offers) > MAX_OFFERS:
            _forget(next(iter(_offers)))
    return PATH + ticket


def claim(ticket: str, session_id: int) -> Offer | None:
    """The offer of a ticket if it is current and belongs to this session, else None."""
    with _lock:
        _drop_expired(time.monotonic())
        found = _offers.get(ticket)
    return found if found is not None and found.session_id == session_id else None


def _drop_expired(now: float) -> None:
    for ticket in [t for t, o in _offers.items() if o.expires < now]:
        _forget(ticket)


def _forget(ticket: str) -> None:
    gone = _offers.pop(ticket, None)
    if gone is not None and _tickets.get((gone.session_id, gone.key)) == ticket:
        del _tickets[(gone.session_id, gone.key)]


__all__ = ["MAX_OFFERS", "OFFER_SECONDS", "PATH", "Content", "Offer", "claim", "offer"]
