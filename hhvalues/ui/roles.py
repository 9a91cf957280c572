"""Who is using the app in this browser session: a participant, or a signed-in console role."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who is using the app in this browser session."""

    PARTICIPANT = "participant"
    RESEARCHER = "researcher"
    ADMIN = "admin"


__all__ = ["Role"]
