"""``hhvalues user ...``: console accounts. Passwords come from a prompt or stdin, never argv.

On a terminal the password is prompted for (twice); when standard input is not a terminal
(``echo PW | hhvalues user add ...``, a script), its first line is the password, as with
``--password-stdin``. Names and passwords are checked before any database is opened.
"""

from __future__ import annotations

import sys

import click

from hhvalues.cli.app import DB_OPTION, LazyChoice, cli, database, now
from hhvalues.errors import InputError


def _roles() -> list[str]:
    from hhvalues.store.accounts import ConsoleRole  # the store loads only when a command runs

    return [r.value for r in ConsoleRole]


def _read_password(from_stdin: bool) -> str:
    """The password: prompted for on a terminal, else the first line of standard input;
    checked for length here, before any database is opened."""
    from hhvalues.store.accounts import check_password_strength

    if from_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise InputError(
                "no password on standard input (give it as the first line, or run the "
                "command in a terminal to be prompted)"
            )
    else:
        password = str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    check_password_strength(password)
    return password


_STDIN = click.option(
    "--password-stdin",
    "from_stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (the default when "
    "standard input is not a terminal).",
)


@cli.group()
def user() -> None:
    """Console accounts (researcher, admin)."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=LazyChoice(_roles), required=True)
@_STDIN
@DB_OPTION
def add_cmd(name: str, role: str, from_stdin: bool, db_url: str | None) -> None:
    """Create an account; the password is prompted for on a terminal, else read from the first
    line of standard input."""
    from hhvalues.store.accounts import add_user, check_user_name

    check_user_name(name)
    password = _read_password(from_stdin)
    with database(db_url, create=True) as engine:
        info = add_user(engine, name, role, password, now=now, actor="cli")
    click.echo(f"created {info.role.value} {info.name}", err=True)


@user.command("list")
@DB_OPTION
def list_cmd(db_url: str | None) -> None:
    """One line per account: name, role, state, last login."""
    from hhvalues.store.accounts import list_users

    with database(db_url) as engine:
        users = list_users(engine, now=now)
    if not users:
        click.echo("no users (create an admin with: hhvalues user add NAME --role admin)")
    for u in users:
        state = (
            "disabled"
            if u.disabled
            else (
                f"active, {u.failed_logins} failed sign-ins, next try from "
                f"{u.delayed_until:%H:%M:%S} UTC"
                if u.delayed_until
                else "active"
            )
        )
        last = f"{u.last_login_at:%Y-%m-%d %H:%M} UTC" if u.last_login_at else "never"
        click.echo(f"{u.name}\t{u.role.value}\t{state}\tlast login {last}")


@user.command("disable")
@click.argument("name")
@DB_OPTION
def disable_cmd(name: str, db_url: str | None) -> None:
    """Disable an account and end its sessions."""
    from hhvalues.store.accounts import set_disabled

    with database(db_url) as engine:
        set_disabled(engine, name, True, now=now, actor="cli")
    click.echo(f"disabled {name}", err=True)


@user.command("enable")
@click.argument("name")
@DB_OPTION
def enable_cmd(name: str, db_url: str | None) -> None:
    """Enable an account again (also clears its sign-in delay)."""
    from hhvalues.store.accounts import set_disabled

    with database(db_url) as engine:
        set_disabled(engine, name, False, now=now, actor="cli")
    click.echo(f"enabled {name}", err=True)


@user.command("password")
@click.argument("name")
@_STDIN
@DB_OPTION
def password_cmd(name: str, from_stdin: bool, db_url: str | None) -> None:
    """Set a new password (prompted on a terminal, else read from standard input); ends the account's sessions and
    clears its sign-in delay."""
    from hhvalues.store.accounts import set_password

    password = _read_password(from_stdin)
    with database(db_url) as engine:
        set_password(engine, name, password, now=now, actor="cli")
    click.echo(f"password of {name} changed", err=True)


@user.command("allow-sso")
@click.argument("email")
@click.option("--role", type=LazyChoice(_roles), required=True)
@DB_OPTION
def allow_sso_cmd(email: str, role: str, db_url: str | None) -> None:
    """Put a single sign-on (OIDC) e-mail address on the allow-list with a role."""
    from hhvalues.store.accounts import allow_sso, check_email

    check_email(email)
    with database(db_url, create=True) as engine:
        allow_sso(engine, email, role, now=now, actor="cli")
    click.echo(f"{email} may sign in as {role}", err=True)
