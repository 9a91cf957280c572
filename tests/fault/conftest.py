"""Fixtures that break things for real: a small tmpfs to fill, a PostgreSQL server of the test's
own to stop and start, and (from the browser harness) app servers to SIGKILL.

Mounting a tmpfs, making a file immutable and running PostgreSQL as another user need root:
without it these tests fail with that reason (CI runs as root; nothing is skipped silently).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.browser.harness import servers  # noqa: F401 - the app-server factory

ROOT = Path(__file__).resolve().parents[2]
PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))


def _need_root(what: str) -> None:
    if os.geteuid() != 0:
        pytest.fail(f"the fault tests need root to {what} (run the suite as root, as CI does)")


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 48 MiB tmpfs mounted for this test: small enough to fill in a moment."""
    _need_root("mount a small tmpfs")
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        for f in mount.iterdir():  # an immutable file left by a failed test would stay mounted
            subprocess.run(["chattr", "-i", str(f)], check=False, capture_output=True)
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory: Path) -> Path:
    """Fill the file system of ``directory`` to the last byte; the filler file's path."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 20, 4096, 1):  # big blocks, then the last pages, then the last bytes
            try:
                while os.write(fd, b"\0" * size):
                    pass
            except OSError:  # ENOSPC: full at this block size
                pass
    finally:
        os.close(fd)
    return filler


def set_immutable(paths: list[Path], on: bool) -> None:
    """Make files immutable (root ignores file modes; the immutable flag stops even root)."""
    for path in paths:
        if path.exists():
            subprocess.run(["chattr", "+i" if on else "-i", str(path)], check=True)


@dataclass
class OwnPostgres:
    """A throw-away PostgreSQL server of one test (``.ci/start-postgres.sh``), stoppable."""

    url: str
    data: Path

    @property
    def _owner(self) -> str:
        return self.data.owner()

    def _pg_ctl(self, *args: str) -> None:
        cmd = [str(PGBIN / "pg_ctl"), "-D", str(self.data), *args]
        if os.geteuid() == 0 and self._owner != "root":
            cmd = ["runuser", "-u", self._owner, "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True)

    def stop(self) -> None:
        """Stop the server at once (``-m fast``: sessions are cut)."""
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        """Start it again on the same port, as .ci/start-postgres.sh did."""
        port = make_url(self.url).port
        opts = (
            f"-p {port} -k {self.data.parent} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200 -c fsync=off -c synchronous_commit=off"
        )
        self._pg_ctl(
            "-l", str(self.data.parent / "server.log"), "-w", "-t", "60", "-o", opts, "start"
        )


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    """A PostgreSQL server only this test uses, so it may stop it."""
    _need_root("run a PostgreSQL server of its own as an ordinary user")
    out = subprocess.run(
        ["bash", str(ROOT / ".ci" / "start-postgres.sh")],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ | {"HHVALUES_TEST_POSTGRES_PORT": ""},
    ).stdout
    values = dict(re.findall(r"export (\w+)='([^']*)'", out))
    server = OwnPostgres(
        values["HHVALUES_TEST_POSTGRES_URL"], Path(values["HHVALUES_TEST_POSTGRES_DATA"])
    )
    try:
        yield server
    finally:
        subprocess.run(
            ["bash", str(ROOT / ".ci" / "stop-postgres.sh"), str(server.data)],
            check=False,
            capture_output=True,
        )
