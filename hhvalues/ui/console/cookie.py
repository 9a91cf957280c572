"""The console session cookie: a session token signed with the server's cookie secret.

The cookie (:data:`NAME`) holds ``<token>.<signature>``: HMAC-SHA256 of the token under a key
derived from Streamlit's ``server.cookieSecret`` (the same on every replica, README). It is set
HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it) and Secure over
HTTPS, with the session's own expiry, by the server route of :mod:`hhvalues.ui.console.routes`; every
page run checks the token behind it against the database, so expiry, idleness and revocation
are the session's, not the cookie's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

NAME = "hhv_console"
"""The cookie's name."""


def _key() -> bytes:
    from streamlit import config

    secret = str(config.get_option("server.cookieSecret"))
    return hashlib.sha256(b"hhvalues console session\0" + secret.encode("utf-8")).digest()


def _signature(token: str) -> str:
    mac = hmac.new(_key(), token.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def sign(token: str) -> str:
    """The cookie value of a session token."""
    return f"{token}.{_signature(token)}"


def unsign(value: object) -> str | None:
    """The token of a cookie value whose signature holds, else None."""
    if not isinstance(value, str) or value.count(".") != 1:
        return None
    token, signature = value.split(".")
    if not token or not hmac.compare_digest(signature, _signature(token)):
        return None
    return token


__all__ = ["NAME", "sign", "unsign"]
