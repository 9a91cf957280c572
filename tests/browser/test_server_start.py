"""A fresh app process: warmed before it serves, and a link too long for Streamlit (issue 16
item 8). The app runs as in production (``streamlit run serve.py``); a bot client speaks the
websocket protocol, since a browser cannot send a 1 MB address."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import inspect

from hhvalues.cli.bots import StreamlitClient
from tests.browser.harness import ROOT, AppServer


def _first_page(url: str, query: str) -> Any:
    async def go() -> Any:
        client = StreamlitClient(url, query, timeout=30)
        await client.connect()
        try:
            return await client.rerun()
        finally:
            await client.close()

    return asyncio.run(go())


def test_a_megabyte_token_shows_the_invalid_link_page_even_as_a_process_first_request(
    servers: Any, sqlite_db_url: str
) -> None:
    """Streamlit drops a query string over 512 Ki characters; the page then showed the landing
    page, as if there were no link at all."""
    app = servers(sqlite_db_url)
    for query in ("t=" + "A" * 1_000_000, "study=" + "s" * 600_000, "&".join(["x=1"] * 1500)):
        text = _first_page(app.url, query).text()
        assert "This link cannot be used" in text and "too long" in text, text[:300]
        app.restart()  # the next one is again the first request of a process
    assert "too long" not in _first_page(app.url, "t=" + "A" * 27).text()


def test_serve_warms_the_process_before_it_accepts_a_connection(tmp_path: Path) -> None:
    """With ``serve.py`` the port opens only after the pages are imported and the database is
    opened and upgraded (here: created, with the demo study), so no participant's first page
    after a restart pays for it; ``app.py`` alone does that work on the first page."""
    from hhvalues.store.db import make_engine

    for script, warmed in (("serve.py", True), ("app.py", False)):
        db = tmp_path / f"{script}.db"
        app = AppServer(f"sqlite:///{db}", log_dir=tmp_path, app=ROOT / script).start()
        try:
            assert db.exists() is warmed  # nobody has connected yet
            if warmed:
                engine = make_engine(f"sqlite:///{db}")
                try:
                    assert "studies" in inspect(engine).get_table_names()
                finally:
                    engine.dispose()
                assert "warmed the app process" in app.log_tail(20_000)
        finally:
            app.stop()
