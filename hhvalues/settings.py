"""Process settings read once from ``HHVALUES_*`` environment variables into a frozen value.

Where the database is, decided in one place (:meth:`Settings.database`) and never by the
current directory: an explicit URL (``--db``, ``HHVALUES_DATABASE_URL``), else ``data/`` of the
project checkout the package runs from (``hhvalues.db`` beside ``data/banks/``), else a
per-user data directory (``$XDG_DATA_HOME/hhvalues``, ``~/.local/share/hhvalues`` by default).
The app and every command therefore open the same file from any folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DATABASE_FILE = "hhvalues.db"
"""The SQLite file's name in whichever data directory is used."""
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
"""The folder holding the ``hhvalues`` package: a project checkout, or site-packages."""


@dataclass(frozen=True, slots=True)
class DatabaseLocation:
    """The database a process uses, and why that one."""

    url: str
    """A SQLAlchemy URL (the default is an absolute ``sqlite:///`` path)."""
    source: str
    """Where it came from, in words: ``--db``, ``HHVALUES_DATABASE_URL``, ``the project's data
    directory`` or ``the per-user data directory``."""


def project_data_dir(root: Path = PACKAGE_ROOT) -> Path | None:
    """``data/`` of the project checkout the package runs from, or None for an installed copy.

    A checkout is recognised by its ``pyproject.toml`` and ``app.py`` beside the package (an
    editable install, ``PYTHONPATH`` or ``streamlit run app.py`` in a clone).
    """
    if (root / "pyproject.toml").is_file() and (root / "app.py").is_file():
        return root / "data"
    return None


def user_data_dir(environ: Mapping[str, str]) -> Path:
    """The per-user data directory of hhvalues (XDG on Linux, the platform's own elsewhere)."""
    home = Path(environ.get("HOME") or Path.home())
    if sys.platform == "win32":
        base = Path(environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "hhvalues"


def default_database(
    environ: Mapping[str, str] | None = None, *, root: Path = PACKAGE_ROOT
) -> DatabaseLocation:
    """The file ``hhvalues.db`` in the project's data directory, else in the per-user one."""
    env = os.environ if environ is None else environ
    project = project_data_dir(root)
    if project is not None:
        return DatabaseLocation(
            f"sqlite:///{project / DATABASE_FILE}", "the project's data directory"
        )
    return DatabaseLocation(
        f"sqlite:///{user_data_dir(env) / DATABASE_FILE}", "the per-user data directory"
    )


@dataclass(frozen=True, slots=True)
class Settings:
    """Configuration of one process; pass it explicitly, never keep it in a module global."""

    database_url: str | None = None
    """``HHVALUES_DATABASE_URL``; ``None`` means :attr:`default_database`."""
    default_database: DatabaseLocation = field(default_factory=default_database)
    """The SQLite file used when no URL is given (:func:`default_database`)."""
    base_url: str | None = None
    """``HHVALUES_BASE_URL``: the address participants open (``study invite`` links)."""
    trust_forwarded_for: bool = False
    """``HHVALUES_TRUST_X_FORWARDED_FOR=1``: the app runs behind a proxy that sets
    ``X-Forwarded-For``; its last entry is then the client a sign-in is throttled as."""

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, root: Path = PACKAGE_ROOT
    ) -> Settings:
        """Read the settings from ``environ`` (default: ``os.environ``)."""
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("HHVALUES_DATABASE_URL", "").strip() or None,
            default_database=default_database(env, root=root),
            base_url=env.get("HHVALUES_BASE_URL", "").strip() or None,
            trust_forwarded_for=env.get("HHVALUES_TRUST_X_FORWARDED_FOR", "").strip().lower()
            in ("1", "true", "yes"),
        )

    def database(self, url: str | None = None) -> DatabaseLocation:
        """The database to use: ``url`` (a ``--db`` option), else ``HHVALUES_DATABASE_URL``,
        else :attr:`default_database`."""
        if url:
            return DatabaseLocation(url, "--db")
        if self.database_url:
            return DatabaseLocation(self.database_url, "HHVALUES_DATABASE_URL")
        return self.default_database


def load_settings() -> Settings:
    """The settings of this process, read from the environment."""
    return Settings.from_env()


__all__ = [
    "DATABASE_FILE",
    "PACKAGE_ROOT",
    "DatabaseLocation",
    "Settings",
    "default_database",
    "load_settings",
    "project_data_dir",
    "user_data_dir",
]
