"""Sign-in throttling: growing delays per client and per typed user name, never a lock.

Every failed sign-in counts against two keys: the client's address (``client:<address>``) and
the user name as typed (``account:<name>``), whether or not such an account exists, so an
unknown name and a real one behave the same. After a key's free failures each further one
makes the next attempt wait longer (doubling, up to the rule's cap); an attempt during the
wait is refused without looking at the password. The caps differ: a client that keeps guessing
waits up to :data:`CLIENT_RULE`'s 15 minutes, while a name anyone can type waits at most
:data:`ACCOUNT_RULE`'s minute — so nobody can keep the real user out for long, and guessing one
account from many addresses stays slow. A key forgets its failures an hour after the last.

Failures are written to the audit log at most once per :data:`AUDIT_EVERY` per client, as one
``login_failed`` entry counting them (and naming the user names tried), not one per guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from hhvalues.store.db import LoginThrottleRow, add_audit, as_utc

MAX_NAMES = 5
"""User names an audit entry lists at most (the rest are counted)."""
AUDIT_EVERY = timedelta(minutes=10)
"""At most one ``login_failed`` audit entry per client in this long."""
FORGOTTEN = timedelta(days=1)
"""A key whose last failure is this old (and whose attempts are audited) is deleted."""


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    """How one kind of key slows down: free failures, then a doubling delay up to a cap."""

    free: int
    """Failures in a row that cost nothing."""
    first_delay: float
    """Seconds to wait after the first failure beyond the free ones."""
    max_delay: float
    """The longest wait, in seconds."""
    forget_after: timedelta = timedelta(hours=1)
    """A key without a failure for this long starts again from none."""

    def delay(self, failures: int) -> float:
        """Seconds until the next attempt after ``failures`` failures in a row."""
        beyond = failures - self.free
        if beyond <= 0:
            return 0.0
        return min(self.max_delay, self.first_delay * 2.0 ** min(beyond - 1, 32))


CLIENT_RULE = ThrottleRule(free=5, first_delay=2.0, max_delay=900.0)
"""One client address: 5 free failures, then 2, 4, 8 … seconds, at most 15 minutes."""
ACCOUNT_RULE = ThrottleRule(free=3, first_delay=2.0, max_delay=60.0)
"""One typed user name: 3 free failures, then 2, 4, 8 … seconds, at most a minute."""


@dataclass(frozen=True, slots=True)
class Throttled:
    """An attempt that must wait."""

    seconds: int
    """Whole seconds until the next attempt may be made (at least 1)."""


def client_key(client: str) -> str:
    """The key of a client address."""
    return f"client:{client.strip()[:300] or 'unknown'}"


def account_key(name: str) -> str:
    """The key of a typed user name (existing or not; case-insensitive)."""
    return f"account:{name.strip().lower()[:300]}"


def _rows(session: Session, keys: Iterable[str]) -> dict[str, LoginThrottleRow]:
    """The rows of ``keys``, locked for this transaction, created when missing."""
    return {key: _row(session, key) for key in keys}


def _row(session: Session, key: str) -> LoginThrottleRow:
    query = select(LoginThrottleRow).where(LoginThrottleRow.key == key).with_for_update()
    row = session.exec(query).first()
    if row is not None:
        return row
    try:
        with session.begin_nested():  # two first attempts at once: one insert wins
            row = LoginThrottleRow(key=key, names=[])
            session.add(row)
            session.flush()
    except IntegrityError:
        row = session.exec(query).one()
    return row


def _fresh(row: LoginThrottleRow, rule: ThrottleRule, at: datetime) -> None:
    """Forget the key's failures when its last one is older than the rule says."""
    last = as_utc(row.last_failure_at)
    if last is not None and at - last > rule.forget_after:
        row.failures, row.next_allowed_at = 0, None


def check(session: Session, *, client: str, name: str, at: datetime) -> Throttled | None:
    """Whether an attempt by ``client`` for ``name`` must wait (inside the sign-in's write
    transaction). A refused attempt is counted for the audit log, not as a failure."""
    ck, ak = client_key(client), account_key(name)
    rows = _rows(session, (ck, ak))
    _fresh(rows[ck], CLIENT_RULE, at)
    _fresh(rows[ak], ACCOUNT_RULE, at)
    wait = max(
        (
            (as_utc(r.next_allowed_at) - at).total_seconds()
            for r in rows.values()
            if r.next_allowed_at
        ),
        default=0.0,
    )
    if wait <= 0:
        return None
    _note(rows[ck], name)
    _audit_if_due(session, rows[ck], at=at)
    return Throttled(max(1, int(wait + 0.999)))


def failed(session: Session, *, client: str, name: str, at: datetime) -> None:
    """Count a failed sign-in against the client and the typed name; audit when due."""
    ck, ak = client_key(client), account_key(name)
    rows = _rows(session, (ck, ak))
    for key, rule in ((ck, CLIENT_RULE), (ak, ACCOUNT_RULE)):
        row = rows[key]
        _fresh(row, rule, at)
        row.failures += 1
        row.last_failure_at = at
        delay = rule.delay(row.failures)
        row.next_allowed_at = at + timedelta(seconds=delay) if delay else None
    _note(rows[ck], name)
    _audit_if_due(session, rows[ck], at=at)
    _purge(session, at)


def _purge(session: Session, at: datetime) -> None:
    """Drop keys with nothing left to remember: no failure for a day and nothing unaudited
    (guesses at many made-up names must not grow the table for ever)."""
    session.execute(
        delete(LoginThrottleRow).where(
            col(LoginThrottleRow.last_failure_at) < at - FORGOTTEN,
            col(LoginThrottleRow.unaudited) == 0,
        )
    )


def succeeded(session: Session, *, client: str, name: str, at: datetime) -> None:
    """A sign-in succeeded: the name starts again from no failures; the client's failures not
    yet in the audit log are written now (the client's own count goes on decaying)."""
    clear_account(session, name)
    row = session.exec(
        select(LoginThrottleRow).where(LoginThrottleRow.key == client_key(client))
    ).first()
    if row is not None and row.unaudited:
        _write_audit(session, row, at=at)


def clear_account(session: Session, name: str) -> None:
    """Forget a user name's failures (a successful sign-in, an admin's enable or new password)."""
    row = session.exec(
        select(LoginThrottleRow).where(LoginThrottleRow.key == account_key(name))
    ).first()
    if row is not None:
        row.failures, row.next_allowed_at, row.last_failure_at = 0, None, None


def account_state(session: Session, name: str, *, at: datetime) -> tuple[int, datetime | None]:
    """(failures in a row, the earliest next attempt if still ahead) of a user name."""
    row = session.exec(
        select(LoginThrottleRow).where(LoginThrottleRow.key == account_key(name))
    ).first()
    if row is None:
        return 0, None
    last = as_utc(row.last_failure_at)
    if last is None or at - last > ACCOUNT_RULE.forget_after:
        return 0, None
    until = as_utc(row.next_allowed_at)
    return row.failures, until if until is not None and until > at else None


def _note(row: LoginThrottleRow, name: str) -> None:
    row.unaudited += 1
    shown = name.strip()[:100]
    if shown not in row.names and len(row.names) < MAX_NAMES:
        row.names = [*row.names, shown]  # a new list: JSON columns are replaced, never edited


def _audit_if_due(session: Session, row: LoginThrottleRow, *, at: datetime) -> None:
    last = as_utc(row.audited_at)
    if last is None or at - last >= AUDIT_EVERY:
        _write_audit(session, row, at=at)


def _write_audit(session: Session, row: LoginThrottleRow, *, at: datetime) -> None:
    """One ``login_failed`` entry for the client's failed and refused attempts since the last."""
    since = as_utc(row.audited_at)
    add_audit(
        session,
        actor=row.key,
        action="login_failed",
        target=", ".join(row.names),
        detail={
            "attempts": row.unaudited,
            "names": list(row.names),
            "since": since.isoformat() if since else None,
        },
        at=at,
    )
    row.unaudited, row.names, row.audited_at = 0, [], at


# check, failed, succeeded, clear_account and account_state are the room's own (sign-in,
# users); outside it the rules are all there is to know.
__all__ = ["ACCOUNT_RULE", "AUDIT_EVERY", "CLIENT_RULE", "ThrottleRule"]
