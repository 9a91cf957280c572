"""The database engine: SQLite (default) or PostgreSQL by URL, sessions, and Alembic upgrades.

SQLite runs in WAL mode with a busy timeout; the driver's own transaction handling is switched
off (``isolation_level=None``) and the ``begin`` event emits ``BEGIN IMMEDIATE`` for write
sessions, because the busy timeout does not cover upgrading a read transaction to a write one
(BEGIN IMMEDIATE: a deferred BEGIN left most read-then-write transactions "database is locked"). PostgreSQL is reached with psycopg 3.

Faults heal without a restart. SQLite opens a file it may not write (a read-only file, an
immutable one, a read-only mount) *read-only, without an error*, and a pool would keep such a
connection after the fault cleared: every later write failed until the process restarted. So a
SQLite connection is refused while its files cannot be written (:func:`_check_writable`), and
a connection that reports a read-only, I/O, full-disk or cannot-open error is treated like a
lost PostgreSQL connection: discarded, with the rest of the pool (:func:`_discard_on_fault`).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from hhvalues.errors import MissingExtraError, StoreError
from hhvalues.settings import DatabaseLocation, Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_WRITE = "hhvalues_write"
_PG_UPGRADE_LOCK = 0x68687661  # "hhva": one upgrader at a time across replicas


def locate(url: str | None = None, *, settings: Settings | None = None) -> DatabaseLocation:
    """The database to use and why (:meth:`Settings.database`), its URL normalised.

    ``postgresql://`` and ``postgres://`` are read as ``postgresql+psycopg://`` (plain
    ``postgresql://`` would pick psycopg2, which is not a dependency).
    """
    where = (settings or Settings.from_env()).database(url)
    for prefix in ("postgresql://", "postgres://"):
        if where.url.startswith(prefix):
            return replace(where, url="postgresql+psycopg://" + where.url[len(prefix) :])
    return where


def resolve_url(url: str | None = None, *, settings: Settings | None = None) -> str:
    """The database URL: ``url``, else ``HHVALUES_DATABASE_URL``, else the default file."""
    return locate(url, settings=settings).url


def display_url(url: str) -> str:
    """A URL as it may be printed (the password hidden)."""
    return make_url(url).render_as_string(hide_password=True)


def database_exists(url: str) -> bool:
    """Whether ``url`` names a database that holds an hhvalues schema (creates nothing).

    A SQLite file must exist and be a migrated hhvalues database; a PostgreSQL database must be
    reachable and migrated. StoreError when a server cannot be reached.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not path.is_file() or path.stat().st_size == 0:
            return False
    engine = make_engine(url)
    try:
        with _translate_errors():
            return current_revision(engine) is not None
    finally:
        engine.dispose()


def make_engine(url: str | None = None, *, settings: Settings | None = None) -> Engine:
    """Create the engine of this process (cache it: one per process).

    A SQLite file's directory is created. Each SQLite connection gets WAL, busy_timeout=5000,
    foreign_keys=ON and synchronous=NORMAL.
    """
    resolved = make_url(resolve_url(url, settings=settings))
    backend = resolved.get_backend_name()
    if backend == "sqlite":
        database = resolved.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise StoreError("use a SQLite file, not an in-memory database", where=str(resolved))
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(resolved, connect_args={"timeout": 5.0})
        event.listen(engine, "do_connect", _check_writable)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "handle_error", _discard_on_fault)
        return engine
    if backend == "postgresql":
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise MissingExtraError("PostgreSQL", "postgres") from None
        return create_engine(resolved, pool_pre_ping=True)
    raise StoreError(f"unsupported database {backend!r} (use sqlite or postgresql+psycopg)")


_FAULTS = {
    sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_CANTOPEN,
}
"""Primary SQLite result codes after which a connection is not trusted again."""


def _check_writable(_dialect: Any, _record: Any, cargs: Any, _cparams: Any) -> None:
    """Refuse to open a connection to a SQLite file this process cannot write.

    SQLite would open it read-only without a word (and a pool keep it); an error here is a
    failed connect instead, tried again on the next checkout, so the first request after the
    fault clears gets a writable connection. The journal files are checked too when they exist.
    """
    database = str(cargs[0]) if cargs else ""
    paths = [p for p in (database, database + "-wal", database + "-shm") if os.path.exists(p)]
    if not paths:  # a new file: SQLite creates it in its directory
        paths = [os.path.dirname(os.path.abspath(database))]
    for path in paths:
        if not os.access(path, os.W_OK):
            raise sqlite3.OperationalError(f"the database file cannot be written: {path}")


def _discard_on_fault(context: Any) -> None:
    """Treat a SQLite read-only, I/O, disk-full or cannot-open error as a lost connection.

    SQLAlchemy then closes that connection and invalidates the pool's others, so none opened
    read-only during a fault (or left in a bad state by an I/O error) serves a later request.
    """
    orig = context.original_exception
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(orig, sqlite3.Error) and code is not None and code & 0xFF in _FAULTS:
        context.is_disconnect = True


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see _sqlite_begin
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _sqlite_begin(conn: Any) -> None:
    write = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@lru_cache(maxsize=64)
def writer(engine: Engine) -> Engine:
    """The same engine whose transactions begin as writers (``BEGIN IMMEDIATE`` on SQLite).

    Kept per engine: making the option engine was ~2% of the app's CPU under bots.
    """
    return engine.execution_options(**{_WRITE: True})


_SQLITE_QUEUES: dict[str, threading.RLock] = {}
_QUEUES_LOCK = threading.Lock()
WRITER_QUEUE_SECONDS = 30.0
"""How long a write waits for this process's earlier writers before it gives up."""


@contextmanager
def _writer_queue(engine: Engine) -> Iterator[None]:
    """On SQLite, queue this process's writers on one lock per database file before BEGIN.

    SQLite has one writer at a time anyway, but its busy handler makes waiters poll with sleeps
    of up to 100 ms, unfairly: under 50 participants on a saturated process some writers
    outwaited the busy timeout and saw the "briefly unavailable" page. A process lock hands
    the database to the next writer at once, in order; other processes (the CLI, a second app)
    still meet the busy timeout. PostgreSQL locks rows, not the database: no queue.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    key = str(engine.url.database)
    with _QUEUES_LOCK:
        queue = _SQLITE_QUEUES.setdefault(key, threading.RLock())
    if not queue.acquire(timeout=WRITER_QUEUE_SECONDS):
        raise StoreError(
            f"the database is busy (waited {WRITER_QUEUE_SECONDS:g} s for earlier "
            "writes of this process)"
        )
    try:
        yield
    finally:
        queue.release()


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: committed on exit, rolled back on error.

    On SQLite it queues behind this process's other writers, then takes the write lock at
    BEGIN, so read-then-write never fails with "database is locked"; database failures become
    :class:`StoreError`.
    """
    with (
        _writer_queue(engine),
        _translate_errors(),
        Session(writer(engine), expire_on_commit=False) as session,
        session.begin(),
    ):
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A short read-only session (a deferred transaction)."""
    with _translate_errors(), Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def _translate_errors() -> Iterator[None]:
    try:
        yield
    except IntegrityError:
        raise
    except DBAPIError as exc:
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StoreError(
            f"the database cannot be reached or refused the operation ({detail})"
        ) from exc


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic: a new or older database alike.

    Safe to call on every start and from several processes: SQLite serialises on the write
    lock, PostgreSQL on an advisory lock held for the transaction.
    """
    from alembic import command

    with _translate_errors(), engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        raw = conn.connection.driver_connection
        assert raw is not None
        if sqlite:  # batch migrations rebuild tables: FK checks off, outside any transaction
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            conn.execution_options(**{_WRITE: True})
            with conn.begin():
                if not sqlite:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_UPGRADE_LOCK})
                command.upgrade(_alembic_config(conn), revision)
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise StoreError("a migration left rows that break a foreign key")
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (None when never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


__all__ = [
    "MIGRATIONS_DIR",
    "current_revision",
    "database_exists",
    "display_url",
    "locate",
    "make_engine",
    "read_session",
    "resolve_url",
    "upgrade",
    "write_session",
]
