"""Warm a fresh app process before it accepts a connection (``serve.py``'s lifespan hook).

A process's first page used to take ~2 s (importing every module the pages use, opening and
upgrading the database, the first pictures), and a participant whose item was running lost
those seconds after every restart. :func:`lifespan` does that work while the server is still
starting: uvicorn opens its port only when the hook returns. Under ``streamlit run app.py``
(no hook) the first page still pays it.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

_log = logging.getLogger(__name__)
LAZY_IMPORTS = ("pandas", "pyarrow", "cloudpickle", "dateutil.parser")
"""What Streamlit imports on an item page's first run and not before (``run_every`` reads its
interval with pandas; ``st.cache_data`` pickles, with cloudpickle when it is installed): ~0.5 s
on a cold process."""


def warm() -> float:
    """Import the pages, open (and upgrade) the database, render a picture; the seconds taken.

    Failures are logged, not raised: a database that is down now must not stop the server
    (its pages say it is briefly unavailable until it is back)."""
    t0 = time.perf_counter()
    import hhvalues.ui.navigation  # noqa: F401 - every page module, as the first run imports them
    from hhvalues.core.bank import load_bank
    from hhvalues.core.render import item_stimulus
    from hhvalues.ui import backend, faults, nodelay, server_tuning
    from hhvalues.ui.first_start import DEMO_BANK

    for name in LAZY_IMPORTS:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional one Streamlit would do without (cloudpickle)
            _log.info("warming the app: %s is not installed", name)
    faults.install_log_handler()
    nodelay.install()
    server_tuning.install()
    try:
        backend.engine()
    except Exception:  # noqa: BLE001 - the page reports an unreachable database itself
        _log.exception("warming the app: the database could not be opened")
    if DEMO_BANK.is_file():  # the drawing code and its fonts
        bank = load_bank(DEMO_BANK)
        item_stimulus(bank, bank.items[0])
    return time.perf_counter() - t0


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """The ``st.App`` lifespan: warm this process before the server accepts connections."""
    import asyncio

    from streamlit.runtime import Runtime

    t0 = time.perf_counter()
    await asyncio.to_thread(warm)
    _, why = await Runtime.instance().does_script_run_without_error()  # the page, once
    _log.info("warmed the app process in %.2f s (first run: %s)", time.perf_counter() - t0, why)
    yield


__all__ = ["lifespan", "warm"]
