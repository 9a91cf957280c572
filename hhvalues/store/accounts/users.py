"""Console accounts: users and roles, scrypt password hashes, expiring sessions, lockout, SSO.

Passwords are hashed with :func:`hashlib.scrypt` (memory-hard; n=2**14, r=8, p=1, 16-byte salt)
and compared in constant time. A login returns a random token: the browser session keeps it
(``st.session_state``), the database only its sha256, and every page run re-checks it
(:func:`check_session`) against expiry, revocation and the account's disabled flag. After
:data:`MAX_FAILURES` wrong passwords in a row an account is locked for :data:`LOCKOUT_MINUTES`;
failures are counted on the account and written to the audit log.

Single sign-on (``st.login``) identities carry no local account: their e-mail address is looked up
in an allow-list (:func:`allow_sso`) that gives the role.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from hhvalues.errors import InputError, NotFoundError
from hhvalues.store.db import (
    Clock,
    ConsoleSessionRow,
    SsoAllowRow,
    UserRow,
    add_audit,
    as_utc,
    read_clock,
    read_session,
    write_session,
)

MAX_FAILURES = 5
"""Wrong passwords in a row that lock an account."""
LOCKOUT_MINUTES = 15.0
"""How long a locked account refuses every password, the right one included."""
SESSION_HOURS = 8.0
"""A console session ends this long after login."""
IDLE_MINUTES = 60.0
"""…or after this long without a page run."""
MIN_PASSWORD = 10
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AuthError(InputError):
    """A login was refused (wrong name or password, disabled or locked account)."""


class ConsoleRole(StrEnum):
    """What a console user may do: researchers run studies, admins also manage users."""

    RESEARCHER = "researcher"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A console account as pages and the CLI see it (no hash)."""

    name: str
    role: ConsoleRole
    disabled: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """Who a valid session belongs to."""

    name: str
    """Account name, or the e-mail address of a single sign-on login."""
    role: ConsoleRole
    expires_at: datetime


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64) of a password."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${_b64(salt)}${_b64(digest)}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a :func:`hash_password` string (constant-time compare)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(want),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _info(row: UserRow) -> UserInfo:
    return UserInfo(
        row.name,
        ConsoleRole(row.role),
        row.disabled,
        row.failed_logins,
        as_utc(row.locked_until),
        row.created_at,
        as_utc(row.last_login_at),
    )


def check_password_strength(password: str) -> None:
    """InputError unless the password has at least :data:`MIN_PASSWORD` characters."""
    if len(password) < MIN_PASSWORD:
        raise InputError(f"the password must have at least {MIN_PASSWORD} characters")


def add_user(
    engine: Engine,
    name: str,
    role: ConsoleRole | str,
    password: str,
    *,
    now: Clock,
    actor: str = "cli",
) -> UserInfo:
    """Create an account; InputError when the name is taken or malformed, or the password short."""
    if not _NAME.match(name):
        raise InputError(f"user name {name!r} must be 1-100 letters, digits or . _ @ -")
    role = ConsoleRole(role)
    check_password_strength(password)
    at = read_clock(now)
    with write_session(engine) as session:
        if session.exec(select(UserRow.id).where(UserRow.name == name)).first() is not None:
            raise InputError(f"a user named {name!r} already exists")
        row = UserRow(
            name=name, role=role.value, password_hash=hash_password(password), created_at=at
        )
        session.add(row)
        add_audit(
            session, actor=actor, action="user_add", target=name, detail={"role": role.value}, at=at
        )
        session.flush()
        return _info(row)


def list_users(engine: Engine) -> list[UserInfo]:
    """Every account, by name."""
    with read_session(engine) as session:
        return [_info(r) for r in session.exec(select(UserRow).order_by(UserRow.name)).all()]


def has_admin(engine: Engine) -> bool:
    """Whether an enabled admin account exists (else the login page says how to create one)."""
    with read_session(engine) as session:
        return (
            session.exec(
                select(UserRow.id).where(
                    UserRow.role == ConsoleRole.ADMIN.value, col(UserRow.disabled).is_(False)
                )
            ).first()
            is not None
        )


def set_disabled(
    engine: Engine, name: str, disabled: bool, *, now: Clock, actor: str = "cli"
) -> UserInfo:
    """Disable (or enable) an account; disabling also ends its sessions."""
    at = read_clock(now)
    with write_session(engine) as session:
        row = session.exec(select(UserRow).where(UserRow.name == name)).first()
        if row is None:
            raise NotFoundError(f"no user named {name!r}")
        row.disabled = disabled
        if not disabled:
            row.failed_logins, row.locked_until = 0, None
        else:
            session.execute(
                update(ConsoleSessionRow)
                .where(col(ConsoleSessionRow.user_id) == row.id)
                .values(revoked=True)
            )
        add_audit(
            session,
            actor=actor,
            action="user_disable" if disabled else "user_enable",
            target=name,
            at=at,
        )
        session.flush()
        return _info(row)


def set_password(
    engine: Engine, name: str, password: str, *, now: Clock, actor: str = "cli"
) -> None:
    """Replace an account's password, unlock it and end its sessions."""
    check_password_strength(password)
    at = read_clock(now)
    with write_session(engine) as session:
        row = session.exec(select(UserRow).where(UserRow.name == name)).first()
        if row is None:
            raise NotFoundError(f"no user named {name!r}")
        row.password_hash, row.failed_logins, row.locked_until = hash_password(password), 0, None
        session.execute(
            update(ConsoleSessionRow)
            .where(col(ConsoleSessionRow.user_id) == row.id)
            .values(revoked=True)
        )
        add_audit(session, actor=actor, action="user_password", target=name, at=at)


_DUMMY_HASH = hash_password(secrets.token_hex(16))


def login(engine: Engine, name: str, password: str, *, now: Clock) -> str:
    """Check a password and open a session; returns its token (keep it in session state only).

    AuthError with one message for an unknown name, a wrong password or a disabled account (no
    hint which), and a distinct one while the account is locked. The failure is committed
    before the error is raised.
    """
    at = read_clock(now)
    failure: str | None = None
    with write_session(engine) as session:
        row = session.exec(select(UserRow).where(UserRow.name == name).with_for_update()).first()
        locked = row is not None and row.locked_until is not None and as_utc(row.locked_until) > at
        if row is None:
            verify_password(password, _DUMMY_HASH)  # same time as a real check
            failure = "wrong user name or password"
        elif locked:
            failure = (
                f"too many failed logins: this account is locked until "
                f"{as_utc(row.locked_until):%H:%M} UTC"
            )
        elif not verify_password(password, row.password_hash) or row.disabled:
            row.failed_logins += 1
            if row.failed_logins >= MAX_FAILURES:
                row.locked_until = at + timedelta(minutes=LOCKOUT_MINUTES)
                row.failed_logins = 0
                add_audit(
                    session,
                    actor=name,
                    action="login_lockout",
                    target=name,
                    detail={"minutes": LOCKOUT_MINUTES},
                    at=at,
                )
            failure = "wrong user name or password"
        if failure is not None:
            add_audit(
                session,
                actor=name[:300],
                action="login_failed",
                target=name[:300],
                detail={"reason": "locked" if locked else "password"},
                at=at,
            )
        else:
            assert row is not None
            row.failed_logins, row.locked_until, row.last_login_at = 0, None, at
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
            token_hash=_hash_token(token),
            user_id=user_id,
            email=email,
            role=role,
            created_at=at,
            expires_at=at + timedelta(hours=SESSION_HOURS),
            last_seen_at=at,
        )
    )
    return token


def check_session(engine: Engine, token: object, *, now: Clock) -> ConsoleUser | None:
    """The user of a session token, or None when unknown, expired, idle, revoked or disabled.

    Refreshes the session's last-seen time, so idle expiry counts from the last page run.
    """
    if not isinstance(token, str) or not token:
        return None
    at = read_clock(now)
    with write_session(engine) as session:
        row = session.exec(
            select(ConsoleSessionRow).where(ConsoleSessionRow.token_hash == _hash_token(token))
        ).first()
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
            if allow is None:  # removed from the allow-list since login
                return None
            name, role = allow.email, allow.role
        row.last_seen_at = at
        return ConsoleUser(name, ConsoleRole(role), as_utc(row.expires_at))


def logout(engine: Engine, token: object, *, now: Clock) -> None:
    """End a session (idempotent)."""
    if not isinstance(token, str):
        return
    with write_session(engine) as session:
        row = session.exec(
            select(ConsoleSessionRow).where(ConsoleSessionRow.token_hash == _hash_token(token))
        ).first()
        if row is not None and not row.revoked:
            row.revoked = True
            add_audit(
                session, actor=row.email or str(row.user_id), action="logout", at=read_clock(now)
            )


# --- single sign-on allow-list -----------------------------------------------------------------


def _email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise InputError(f"{email!r} is not an e-mail address")
    return email


def allow_sso(
    engine: Engine, email: str, role: ConsoleRole | str, *, now: Clock, actor: str
) -> None:
    """Let a single sign-on identity in with ``role`` (replaces its earlier role)."""
    email, role, at = _email(email), ConsoleRole(role), read_clock(now)
    with write_session(engine) as session:
        row = session.exec(select(SsoAllowRow).where(SsoAllowRow.email == email)).first()
        if row is None:
            session.add(SsoAllowRow(email=email, role=role.value, created_at=at, created_by=actor))
        else:
            row.role = role.value
        add_audit(
            session,
            actor=actor,
            action="sso_allow",
            target=email,
            detail={"role": role.value},
            at=at,
        )


def revoke_sso(engine: Engine, email: str, *, now: Clock, actor: str) -> None:
    """Remove an identity from the allow-list; its sessions stop at their next page run."""
    email, at = _email(email), read_clock(now)
    with write_session(engine) as session:
        row = session.exec(select(SsoAllowRow).where(SsoAllowRow.email == email)).first()
        if row is None:
            raise NotFoundError(f"{email} is not on the allow-list")
        session.delete(row)
        add_audit(session, actor=actor, action="sso_revoke", target=email, at=at)


def list_sso(engine: Engine) -> list[tuple[str, ConsoleRole]]:
    """The allow-list as (e-mail, role), by e-mail."""
    with read_session(engine) as session:
        rows = session.exec(select(SsoAllowRow.email, SsoAllowRow.role).order_by(SsoAllowRow.email))
        return [(e, ConsoleRole(r)) for e, r in rows.all()]


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
    "IDLE_MINUTES",
    "LOCKOUT_MINUTES",
    "MAX_FAILURES",
    "MIN_PASSWORD",
    "SESSION_HOURS",
    "AuthError",
    "ConsoleRole",
    "ConsoleUser",
    "UserInfo",
    "add_user",
    "allow_sso",
    "check_password_strength",
    "check_session",
    "has_admin",
    "hash_password",
    "list_sso",
    "list_users",
    "login",
    "login_sso",
    "logout",
    "revoke_sso",
    "set_disabled",
    "set_password",
    "verify_password",
]
