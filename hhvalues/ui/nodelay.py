"""Turn Nagle's algorithm off on the app server's connections.

Streamlit 1.67's server binds its listening socket as ``socket.socket(family)`` (protocol 0),
and asyncio sets ``TCP_NODELAY`` only on accepted sockets whose protocol is ``IPPROTO_TCP``; so
Nagle stays on, and a run's messages after the first wait for the browser's delayed ACK:
~35 ms added to every rerun that follows another (bench/RESULTS.md; 48 → 16 ms back to back).
"""

from __future__ import annotations

import asyncio.base_events
import asyncio.selector_events
import contextlib
import gc
import socket
from typing import Any

_done = False
ASYNCIO_SET_NODELAY = asyncio.base_events._set_nodelay  # type: ignore[attr-defined]
"""asyncio's own function, as it was before :func:`install` (tests restore it)."""


def _set_nodelay(sock: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def install() -> None:
    """Make every later accepted connection, and those already open, TCP_NODELAY (once)."""
    global _done
    if _done:
        return
    _done = True
    asyncio.base_events._set_nodelay = _set_nodelay  # type: ignore[attr-defined]
    # The connection of the session running this first script was accepted before the patch.
    transport = asyncio.selector_events._SelectorSocketTransport  # type: ignore[attr-defined]
    for obj in gc.get_objects():
        # type(), not isinstance(): isinstance reads __class__, which raises ReferenceError on
        # a weak proxy whose object has gone (the transport itself is in the list anyway)
        if issubclass(type(obj), transport):
            sock = obj.get_extra_info("socket")
            if sock is not None and not obj.is_closing():
                with contextlib.suppress(OSError):  # the peer has gone: nothing to tune
                    _set_nodelay(sock)


__all__ = ["ASYNCIO_SET_NODELAY", "install"]
