"""Process settings read once from ``HHVALUES_*`` environment variables into a frozen value."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_PATH = Path("data") / "hhvalues.db"


@dataclass(frozen=True, slots=True)
class Settings:
    """Configuration of one process; pass it explicitly, never keep it in a module global."""

    database_url: str | None = None
    """``HHVALUES_DATABASE_URL``; ``None`` means the SQLite file :data:`DEFAULT_DATABASE_PATH`."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``environ`` (default: ``os.environ``)."""
        env = os.environ if environ is None else environ
        url = env.get("HHVALUES_DATABASE_URL", "").strip() or None
        return cls(database_url=url)


def load_settings() -> Settings:
    """The settings of this process, read from the environment."""
    return Settings.from_env()


__all__ = ["DEFAULT_DATABASE_PATH", "Settings", "load_settings"]
