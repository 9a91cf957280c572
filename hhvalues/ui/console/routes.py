"""The app's own HTTP routes, served beside Streamlit's (``app.py`` builds ``st.App`` with them).

``GET /hhv/session?code=…&next=/console``
    Redeems a console session's one-time handoff code (issued right after sign-in) for a fresh
    token of the same session and sets it in the signed, HttpOnly, SameSite=Strict cookie of
    :mod:`hhvalues.ui.console.cookie`, with the session's expiry; then back to the console.
``GET /hhv/signout``
    Clears the cookie (the session itself was ended in the database by the sign-out button).
``GET /hhv/download/<ticket>``
    A file offered to one console session (:mod:`hhvalues.ui.console.downloads`), made and
    streamed only for a request whose cookie holds that same, still valid session; 403 for
    anyone else (no session, another session, an ended one).

The database work runs in a worker thread (the event loop serves every browser's websocket).
"""

from __future__ import annotations

import time
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from hhvalues.store.accounts import ConsoleUser, check_session, redeem_handoff
from hhvalues.ui import backend
from hhvalues.ui.console import cookie, downloads

CONSOLE = "/console"
"""Where the session routes send the browser back to."""
SESSION_PATH = "/hhv/session"
SIGNOUT_PATH = "/hhv/signout"
NO_STORE = {"Cache-Control": "no-store"}


def _back(request: Request) -> str:
    """The ``next`` query parameter if it is a path of this site, else the console."""
    target = request.query_params.get("next", CONSOLE)
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else CONSOLE


def _secure(request: Request) -> bool:
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    return proto.split(",")[0].strip().lower() == "https"


async def session_route(request: Request) -> Response:
    """Set the session cookie from a handoff code, then go back to the console."""
    code = request.query_params.get("code", "")
    redeemed = await run_in_threadpool(redeem_handoff, backend.engine(), code, now=backend.now)
    response = RedirectResponse(_back(request), status_code=303, headers=NO_STORE)
    if redeemed is not None:
        seconds = (redeemed.expires_at - backend.now()).total_seconds()
        response.set_cookie(
            cookie.NAME,
            cookie.sign(redeemed.token),
            max_age=max(1, int(seconds)),
            path="/",
            secure=_secure(request),
            httponly=True,
            samesite="strict",
        )
    return response


async def signout_route(request: Request) -> Response:
    """Clear the session cookie, then go back to the console."""
    response = RedirectResponse(_back(request), status_code=303, headers=NO_STORE)
    response.delete_cookie(
        cookie.NAME, path="/", secure=_secure(request), httponly=True, samesite="strict"
    )
    return response


def _user(request: Request) -> ConsoleUser | None:
    token = cookie.unsign(request.cookies.get(cookie.NAME))
    return check_session(backend.engine(), token, now=backend.now) if token else None


async def download_route(request: Request) -> Response:
    """One offered file, for the console session that was offered it."""
    user = await run_in_threadpool(_user, request)
    found = downloads.claim(request.path_params["ticket"], user.session_id) if user else None
    if found is None:
        return PlainTextResponse(
            "Not available: sign in to the console and use the download link of your own "
            "session (links last 10 minutes).",
            status_code=403,
            headers=NO_STORE,
        )
    started = time.monotonic()
    content = await run_in_threadpool(found.make)
    headers = {**NO_STORE, "X-Generated-Seconds": f"{time.monotonic() - started:.3f}"}
    if isinstance(content, Path):
        return FileResponse(
            content,
            media_type=found.media_type,
            filename=found.file_name,
            headers=headers,
            background=BackgroundTask(content.unlink, missing_ok=True),
        )
    disposition = f'attachment; filename="{found.file_name}"'
    return Response(
        content,
        media_type=found.media_type,
        headers={**headers, "Content-Disposition": disposition},
    )


def routes() -> list[BaseRoute]:
    """The routes ``app.py`` serves beside Streamlit's."""
    return [
        Route(SESSION_PATH, session_route, methods=["GET"]),
        Route(SIGNOUT_PATH, signout_route, methods=["GET"]),
        Route(downloads.PATH + "{ticket}", download_route, methods=["GET"]),
    ]


__all__ = [
    "CONSOLE",
    "SESSION_PATH",
    "SIGNOUT_PATH",
    "download_route",
    "routes",
    "session_route",
    "signout_route",
]
