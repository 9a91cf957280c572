"""Console accounts: users and roles, scrypt password hashes, enabling and disabling.

Passwords are hashed with :func:`hashlib.scrypt` (memory-hard; n=2**14, r=8, p=1, 16-byte salt)
and compared in constant time. Sign-in, sessions and the cookie handoff are in
:mod:`~hhvalues.store.accounts.sessions`; failed sign-ins slow down per client and per typed
name (:mod:`~hhvalues.store.accounts.throttle`), and an account is never locked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from hhvalues.errors import InputError, NotFoundError
from hhvalues.store.accounts import throttle
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

MIN_PASSWORD = 10
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AuthError(InputError):
    """A sign-in was refused (wrong name or password, a disabled account, or too many failed
    attempts to try again yet); the message never says which name exists."""


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
    """Failed sign-ins in a row under this name (forgotten an hour after the last)."""
    delayed_until: datetime | None
    """The earliest next sign-in under this name, while it is still ahead (never a lock)."""
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """Who a valid session belongs to."""

    name: str
    """Account name, or the e-mail address of a single sign-on login."""
    role: ConsoleRole
    expires_at: datetime
    session_id: int = 0
    """The console session (downloads are handed to this session only)."""


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


def _info(session: Session, row: UserRow, *, at: datetime) -> UserInfo:
    failures, until = throttle.account_state(session, row.name, at=at)
    return UserInfo(
        row.name,
        ConsoleRole(row.role),
        row.disabled,
        failures,
        until,
        row.created_at,
        as_utc(row.last_login_at),
    )


def check_password_strength(password: str) -> None:
    """InputError unless the password has at least :data:`MIN_PASSWORD` characters."""
    if len(password) < MIN_PASSWORD:
        raise InputError(f"the password must have at least {MIN_PASSWORD} characters")


def check_user_name(name: str) -> None:
    """InputError unless ``name`` may name an account (checked before anything is written)."""
    if not _NAME.match(name):
        raise InputError(f"user name {name!r} must be 1-100 letters, digits or . _ @ -")


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
    check_user_name(name)
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
        return _info(session, row, at=at)


def list_users(engine: Engine, *, now: Clock) -> list[UserInfo]:
    """Every account, by name, with its sign-in delay as of ``now``."""
    at = read_clock(now)
    with read_session(engine) as session:
        rows = session.exec(select(UserRow).order_by(UserRow.name)).all()
        return [_info(session, r, at=at) for r in rows]


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
    """Disable (or enable) an account; disabling ends its sessions, enabling clears its
    sign-in delay."""
    at = read_clock(now)
    with write_session(engine) as session:
        row = session.exec(select(UserRow).where(UserRow.name == name)).first()
        if row is None:
            raise NotFoundError(f"no user named {name!r}")
        row.disabled = disabled
        if not disabled:
            throttle.clear_account(session, name)
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
        return _info(session, row, at=at)


def set_password(
    engine: Engine, name: str, password: str, *, now: Clock, actor: str = "cli"
) -> None:
    """Replace an account's password, clear its sign-in delay and end its sessions."""
    check_password_strength(password)
    at = read_clock(now)
    with write_session(engine) as session:
        row = session.exec(select(UserRow).where(UserRow.name == name)).first()
        if row is None:
            raise NotFoundError(f"no user named {name!r}")
        row.password_hash = hash_password(password)
        throttle.clear_account(session, name)
        session.execute(
            update(ConsoleSessionRow)
            .where(col(ConsoleSessionRow.user_id) == row.id)
            .values(revoked=True)
        )
        add_audit(session, actor=actor, action="user_password", target=name, at=at)


# --- single sign-on allow-list -----------------------------------------------------------------


def check_email(email: str) -> str:
    """The address as stored (stripped, lower case); InputError unless it is an e-mail address."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise InputError(f"{email!r} is not an e-mail address")
    return email


_email = check_email


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


__all__ = [
    "MIN_PASSWORD",
    "AuthError",
    "ConsoleRole",
    "ConsoleUser",
    "UserInfo",
    "add_user",
    "allow_sso",
    "check_email",
    "check_password_strength",
    "check_user_name",
    "has_admin",
    "hash_password",
    "list_sso",
    "list_users",
    "revoke_sso",
    "set_disabled",
    "set_password",
    "verify_password",
]
