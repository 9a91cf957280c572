"""``hhvalues user``: passwords from stdin or a prompt, never from argv."""

from __future__ import annotations

import subprocess
import sys

from hhvalues.store.accounts import login
from hhvalues.store.db import make_engine


def _run(args, stdin: str, url: str):
    return subprocess.run(
        [sys.executable, "-m", "hhvalues.cli", *args, "--db", url],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_user_add_list_disable_via_stdin(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'u.db'}"
    r = _run(
        ["user", "add", "ada", "--role", "admin", "--password-stdin"], "a long secret pw\n", url
    )
    assert r.returncode == 0, r.stderr
    assert "a long secret pw" not in r.stdout + r.stderr
    r = _run(["user", "list"], "", url)
    assert r.stdout.startswith("ada\tadmin\tactive")
    assert r.stderr == f"database: {url} (--db)\n"
    engine = make_engine(url)
    assert login(engine, "ada", "a long secret pw", client="test", now=clock)
    assert _run(["user", "disable", "ada"], "", url).returncode == 0
    assert "disabled" in _run(["user", "list"], "", url).stdout
    engine.dispose()


def test_there_is_no_password_argument(tmp_path):
    url = f"sqlite:///{tmp_path / 'u.db'}"
    r = _run(["user", "add", "ada", "--role", "admin", "--password", "x" * 12], "", url)
    assert r.returncode == 2 and "No such option" in r.stderr


def test_short_passwords_and_empty_stdin_are_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'u.db'}"
    assert (
        _run(
            ["user", "add", "ada", "--role", "admin", "--password-stdin"], "short\n", url
        ).returncode
        == 2
    )
    r = _run(["user", "add", "ada", "--role", "admin", "--password-stdin"], "", url)
    assert r.returncode == 2 and "no password" in r.stderr


def test_a_piped_password_needs_no_flag(tmp_path, clock):
    """Issue 19 item 16: `echo PW | hhvalues user add ...` (as the README says: "from a prompt
    or stdin") creates the account; before, it printed "aborted"."""
    url = f"sqlite:///{tmp_path / 'u.db'}"
    r = _run(["user", "add", "ada", "--role", "admin"], "a long secret pw\n", url)
    assert r.returncode == 0, r.stderr
    engine = make_engine(url)
    assert login(engine, "ada", "a long secret pw", client="test", now=clock)
    r = _run(["user", "password", "ada"], "another long pw\n", url)
    assert r.returncode == 0, r.stderr
    assert login(engine, "ada", "another long pw", client="test", now=clock)
    engine.dispose()


def test_a_refused_account_starts_no_database(tmp_path):
    """Issue 19 item 17: a short password, a bad name or e-mail is refused before a database
    is created."""
    path = tmp_path / "new.db"
    url = f"sqlite:///{path}"
    for args, stdin in (
        (["user", "add", "ada", "--role", "admin"], "short\n"),
        (["user", "add", "a b", "--role", "admin"], "a long secret pw\n"),
        (["user", "allow-sso", "not-an-address", "--role", "admin"], ""),
    ):
        r = _run(args, stdin, url)
        assert r.returncode == 2 and r.stderr.startswith("error:"), (args, r.stderr)
        assert not path.exists(), args
