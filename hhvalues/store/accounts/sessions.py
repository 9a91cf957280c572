"""Console sessions: sign-in, the session check of every page run, sign-out, and the one-time
code that moves a session into the browser's cookie.

A sign-in returns a random token; the database keeps only its sha256. The page that signed in
keeps the token in its Streamlit session and asks for a one-time *handoff* code
(:func:`issue_handoff`, valid :data:`HANDOFF_SECONDS`); the browser takes the code to the
server's session route, which redeems it (:func:`redeem_handoff`) for a fresh token of the same
session and sets it in a signed, HttpOnly, SameSite=Strict cookie. Reloads, new tabs and typed
console URLs then carry the cookie. Every page run re-checks the token (:func:`check_session`):
expiry (:data:`SESSION_HOURS`), idleness (:data:`IDLE_MINUTES`), revocation (sign-out, ``user
disable``, a new password) and the account's disabled flag, so a cookie is only ever as good as
the session in the database.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from hhvalues.store.accounts import throttle
from hhvalues.store.accounts.users import (
    AuthError,
    ConsoleRole,
    ConsoleUser,
    hash_password,
    verify_password,
)
from hhvalues.store.db import (
    Clock,
    ConsoleSessionRow,
    SsoAllowRow,
    UserRow,
    add_audit,
    as_utc,
    read_clock,
    write_session,
)

SESSION_HOURS = 8.0
"""A console session ends this long after sign-in."""
IDLE_MINUTES = 60.0
"""…or after this long without a page run."""
HANDOFF_SECONDS = 60.0
"""How long the one-time code that sets the session cookie can be redeemed."""
WRONG = "wrong user name or password"
"""The one answer to an unknown name, a wrong password and a disabled account alike."""


def throttled_message(seconds: int) -> str:
    """The one answer while a client or a name must wait (the same for every name)."""
    return (
        f"Too many failed sign-ins from here or with this name: wait {seconds} s, then try again."
    )


@dataclass(frozen=True, slots=True)
class CookieSession:
    """A session handed to the browser's cookie."""

    token: str
    expires_at: datetime


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


_DUMMY_HASH = hash_password(secrets.token_hex(16))


def login(engine: Engine, name: str, password: str, *, client: str, now: Clock) -> str:
    """Check a password and open a session; returns its token.

    AuthError with :data:`WRONG` for an unknown name, a wrong password or a disabled account
    (no hint which, and the same time spent), and with :func:`throttled_message` while the
    client or the typed name must wait (:mod:`~hhvalues.store.accounts.throttle`). The failure
    is committed before the error is raised.
    """
    at = read_clock(now)
    failure: str | None = None
    with write_session(engine) as session:
        wait = throttle.check(session, client=client, name=name, at=at)
        row = session.exec(select(UserRow).where(UserRow.name == name)).first()
        if wait is not None:
            failure = throttled_message(wait.seconds)
        elif row is None:
            verify_password(password, _DUMMY_HASH)  # same time as a real check
            failure = WRONG
        elif not verify_password(password, row.password_hash) or row.disabled:
            failure = WRONG
        if failure == WRONG:
            throttle.failed(session, client=client, name=name, at=at)
        if failure is None:
            assert row is not None
            throttle.succeeded(session, client=client, name=name, at=at)
            row.last_login_at = at
            token = _open(session, role=row.role, at=at, user_id=row.id)
            add_audit(session, actor=name, action="login", target=name, at=at)
    if failure is not None:
        raise AuthError(failure)
    return token


def _open(
    session: Session,
    *,
    role: str,
    at: datetime,
    user_id: int | None = None,
    email: str | None = None,
) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        ConsoleSessionRow(
            token_hash=_hash(token),
            user_id=user_id,
            email=email,
            role=role,
            created_at=at,
            expires_at=at + timedelta(hours=SESSION_HOURS),
            last_seen_at=at,
        )
    )
    return token


def _live(session: Session, row: ConsoleSessionRow | None, at: datetime) -> ConsoleUser | None:
    """The user of a session row that is neither revoked, expired, idle nor disabled."""
    if row is None or row.revoked:
        return None
    if as_utc(row.expires_at) <= at or at - as_utc(row.last_seen_at) > timedelta(
        minutes=IDLE_MINUTES
    ):
        row.revoked = True
        return None
    if row.user_id is not None:
        user = session.get(UserRow, row.user_id)
        if user is None or user.disabled:
            return None
        name, role = user.name, user.role
    else:
        allow = session.exec(select(SsoAllowRow).where(SsoAllowRow.email == row.email)).first()
        if allow is None:  # removed from the allow-list since sign-in
            return None
        name, role = allow.email, allow.role
    return ConsoleUser(name, ConsoleRole(role), as_utc(row.expires_at), row.id or 0)


def _by_token(session: Session, token: str) -> ConsoleSessionRow | None:
    return session.exec(
        select(ConsoleSessionRow).where(ConsoleSessionRow.token_hash == _hash(token))
    ).first()


def check_session(engine: Engine, token: object, *, now: Clock) -> ConsoleUser | None:
    """The user of a session token, or None when unknown, expired, idle, revoked or disabled.

    Refreshes the session's last-seen time, so idle expiry counts from the last page run.
    """
    if not isinstance(token, str) or not token:
        return None
    at = read_clock(now)
    with write_session(engine) as session:
        row = _by_token(session, token)
        user = _live(session, row, at)
        if user is not None and row is not None:
            row.last_seen_at = at
        return user


def issue_handoff(engine: Engine, token: str, *, now: Clock) -> str | None:
    """A one-time code that moves the session of ``token`` into a cookie (None when the
    session is no longer valid). Valid for :data:`HANDOFF_SECONDS`; a new code replaces the
    last."""
    at = read_clock(now)
    code = secrets.token_urlsafe(32)
    with write_session(engine) as session:
        row = _by_token(session, token)
        if _live(session, row, at) is None or row is None:
            return None
        row.handoff_hash = _hash(code)
        row.handoff_expires_at = at + timedelta(seconds=HANDOFF_SECONDS)
    return code


def redeem_handoff(engine: Engine, code: str, *, now: Clock) -> CookieSession | None:
    """The session of a handoff code under a fresh token (the code and the old token stop
    working), or None when the code is unknown, used, expired or its session is not valid."""
    if not code:
        return None
    at = read_clock(now)
    with write_session(engine) as session:
        row = session.exec(
            select(ConsoleSessionRow).where(ConsoleSessionRow.handoff_hash == _hash(code))
        ).first()
        if row is None:
            return None
        expires = as_utc(row.handoff_expires_at)
        row.handoff_hash, row.handoff_expires_at = None, None
        if expires is None or expires < at or _live(session, row, at) is None:
            return None
        token = secrets.token_urlsafe(32)
        row.token_hash, row.last_seen_at = _hash(token), at
        return CookieSession(token, as_utc(row.expires_at))


def logout(engine: Engine, token: object, *, now: Clock) -> None:
    """End a session (idempotent)."""
    if not isinstance(token, str):
        return
    with write_session(engine) as session:
        row = _by_token(session, token)
        if row is not None and not row.revoked:
            row.revoked = True
            add_audit(
                session, actor=row.email or str(row.user_id), action="logout", at=read_clock(now)
            )


def login_sso(engine: Engine, email: str | None, *, now: Clock) -> str | None:
    """Open a session for a verified OIDC e-mail on the allow-list; None when it is not listed."""
    if not email:
        return None
    email, at = email.strip().lower(), read_clock(now)
    with write_session(engine) as session:
        row = session.exec(select(SsoAllowRow).where(SsoAllowRow.email == email)).first()
        if row is None:
            add_audit(session, actor=email, action="sso_refused", at=at)
            return None
        token = _open(session, role=row.role, at=at, email=email)
        add_audit(session, actor=email, action="login_sso", target=email, at=at)
        return token


__all__ = [
    "HANDOFF_SECONDS",
    "IDLE_MINUTES",
    "SESSION_HOURS",
    "WRONG",
    "CookieSession",
    "check_session",
    "issue_handoff",
    "login",
    "login_sso",
    "logout",
    "redeem_handoff",
    "throttled_message",
]
