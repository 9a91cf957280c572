"""Fixtures of the browser tests; the harness itself lives in :mod:`tests.browser.harness`."""

from tests.browser.harness import browser, pg_db_url, servers, sqlite_db_url, tab

__all__ = ["browser", "pg_db_url", "servers", "sqlite_db_url", "tab"]
