"""Clocks and deadlines: the one place that says when time is up.

Every store operation takes an injected clock ``now`` (a :data:`Clock`), so tests move time
without waiting. A deadline is stored when something is first shown (an item, a walk) or
started (a session) and enforced by the store on the next request; a request up to
:data:`GRACE` after a deadline still counts, to absorb network and rerun latency. The browser's
countdown uses the same :data:`GRACE` to decide when to ask the server again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import overload

Clock = Callable[[], datetime]
"""The injected clock of every store operation: returns the current time."""
GRACE = timedelta(seconds=2)
"""Requests this late after a deadline still count (network and rerun latency)."""


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
@overload
def as_utc(value: datetime | None) -> datetime | None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """An aware UTC datetime (SQLite returns stored UTC times naive); None stays None."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def system_clock() -> datetime:
    """The real time (aware UTC): the default clock of readers a person runs by hand."""
    return datetime.now(UTC)


def read_clock(now: Clock) -> datetime:
    """The clock's time as an aware UTC datetime."""
    return as_utc(now())


def deadline_after(
    at: datetime, *, seconds: float = 0.0, minutes: float = 0.0, cap: datetime | None = None
) -> datetime:
    """The time limit after ``at``, but no later than ``cap`` (e.g. the session's deadline)."""
    deadline = at + timedelta(seconds=seconds, minutes=minutes)
    return deadline if cap is None else min(deadline, cap)


def is_past(at: datetime, *deadlines: datetime | None, grace: timedelta = GRACE) -> bool:
    """Whether ``at`` is more than ``grace`` after any of the deadlines (None: no limit)."""
    return any(at > d + grace for d in deadlines if d is not None)


__all__ = [
    "GRACE",
    "Clock",
    "as_utc",
    "deadline_after",
    "is_past",
    "read_clock",
    "system_clock",
]
