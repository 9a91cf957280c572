"""The app server's connections run without Nagle's algorithm (hhvalues.ui.nodelay)."""

from __future__ import annotations

import asyncio
import socket

from hhvalues.ui import nodelay


def _accepted_nodelay() -> int:
    """TCP_NODELAY of a connection accepted on a protocol-0 socket, as Streamlit binds it."""

    async def main() -> int:
        listener = socket.socket(socket.AF_INET)  # proto 0: asyncio alone leaves Nagle on
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connect, sock=listener)
        _, writer = await asyncio.open_connection(*listener.getsockname())
        value = await accepted
        writer.close()
        server.close()
        return value

    return asyncio.run(main())


def test_install_turns_nagle_off_on_connections_of_a_protocol_0_listener() -> None:
    import asyncio.base_events

    original = asyncio.base_events._set_nodelay  # type: ignore[attr-defined]
    # an app run earlier in this process (AppTest) installed the patch: start from asyncio's own
    asyncio.base_events._set_nodelay = nodelay.ASYNCIO_SET_NODELAY  # type: ignore[attr-defined]
    try:
        assert _accepted_nodelay() == 0  # what Streamlit's server gets without it
        nodelay._done = False
        nodelay.install()
        assert _accepted_nodelay() != 0
    finally:
        asyncio.base_events._set_nodelay = original  # type: ignore[attr-defined]
        nodelay._done = False
