import contextlib
import os
import subprocess
import threading

import pytest
from sqlalchemy import text

from hhvalues.errors import StoreError
from hhvalues.settings import Settings
from hhvalues.store.db import make_engine, read_session, resolve_url, upgrade, write_session


def test_sqlite_pragmas_are_really_active_on_every_connection(sqlite_engine):
    conns = [sqlite_engine.connect() for _ in range(3)]  # distinct pooled connections
    try:
        for conn in conns:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    finally:
        for conn in conns:
            conn.close()


def test_sqlite_wal_files_exist_after_a_write(sqlite_engine, tmp_path):
    with write_session(sqlite_engine) as s:
        s.exec(text("CREATE TABLE t (x INTEGER)"))
    assert (tmp_path / "hhvalues.db-wal").exists()


def test_begin_immediate_read_then_write_from_8_threads_never_locks(sqlite_engine):
    with write_session(sqlite_engine) as s:
        s.exec(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        s.exec(text("INSERT INTO counter VALUES (0)"))
    errors: list[BaseException] = []
    per_thread = 40

    def work() -> None:
        try:
            for _ in range(per_thread):
                with write_session(sqlite_engine) as s:
                    n = s.exec(text("SELECT n FROM counter")).scalar_one()
                    s.exec(text("UPDATE counter SET n = :n"), params={"n": n + 1})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with read_session(sqlite_engine) as s:
        assert (
            s.exec(text("SELECT n FROM counter")).scalar_one() == 8 * per_thread
        )  # no lost update


def test_default_url_is_the_sqlite_file_in_the_projects_data_directory():
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    assert resolve_url(settings=Settings.from_env({})) == f"sqlite:///{root}/data/hhvalues.db"
    assert (
        resolve_url(settings=Settings.from_env({"HHVALUES_DATABASE_URL": "sqlite:///x.db"}))
        == "sqlite:///x.db"
    )


def test_plain_postgresql_urls_use_psycopg3():
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


def test_sqlite_directory_is_created(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'dir' / 'h.db'}")
    upgrade(engine)
    engine.dispose()
    assert (tmp_path / "new" / "dir" / "h.db").exists()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "mysql://u@h/db"])
def test_unsupported_urls_are_refused(url):
    with pytest.raises(StoreError):
        make_engine(url)


def test_unreachable_database_is_a_store_error(tmp_path):
    engine = make_engine("postgresql+psycopg://nobody:x@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(StoreError, match="cannot be reached"), read_session(engine) as s:
        s.exec(text("SELECT 1"))
    engine.dispose()


def test_a_connection_that_turned_read_only_is_discarded_after_one_failed_write(sqlite_engine):
    """A pooled SQLite connection that reports "attempt to write a readonly database" is not
    kept: the next write gets a new connection (issue 16: the app stayed broken for minutes).
    ``PRAGMA query_only`` makes a connection answer SQLITE_READONLY, as one opened on a
    read-only file does."""
    with write_session(sqlite_engine) as s:
        s.exec(text("CREATE TABLE t (x INTEGER)"))
    with sqlite_engine.connect() as conn:  # the pool's connection, spoiled, then returned
        conn.exec_driver_sql("PRAGMA query_only = ON")
    with pytest.raises(StoreError, match="readonly"), write_session(sqlite_engine) as s:
        s.exec(text("INSERT INTO t VALUES (1)"))
    for x in (2, 3):
        with write_session(sqlite_engine) as s:
            s.exec(text("INSERT INTO t VALUES (:x)"), params={"x": x})
    with read_session(sqlite_engine) as s:
        assert s.exec(text("SELECT x FROM t ORDER BY x")).scalars().all() == [2, 3]


def test_a_sqlite_file_that_cannot_be_written_is_not_opened_read_only(tmp_path):
    """SQLite opens a file it may not write read-only, without an error, and a pool would keep
    that connection after the fault cleared: the engine refuses such a connection instead, so
    the first open after the fault is a writable one. The file is made unwritable for real:
    immutable for root (who ignores modes), mode 0444 for anyone else."""
    db = tmp_path / "ro.db"
    engine = make_engine(f"sqlite:///{db}")
    with write_session(engine) as s:
        s.exec(text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    with unwritable(db):
        for _ in range(2):
            with pytest.raises(StoreError, match="cannot be written"), write_session(engine) as s:
                s.exec(text("INSERT INTO t VALUES (1)"))
    with write_session(engine) as s:
        s.exec(text("INSERT INTO t VALUES (2)"))
    with read_session(engine) as s:
        assert s.exec(text("SELECT x FROM t")).scalars().all() == [2]
    engine.dispose()


@contextlib.contextmanager
def unwritable(path):
    """Make ``path`` unwritable for this process while the block runs."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)
