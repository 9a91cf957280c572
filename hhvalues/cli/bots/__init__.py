"""``hhvalues bots``: simulated participants driven through the real running app.

In the manner of oTree's bots, each bot is a participant who opens the study link, consents,
starts, answers every item and reaches the completion code — through the *running* Streamlit
server, not a copy of its logic. A browser per bot is too heavy for dozens of bots on a small
machine, so each bot speaks Streamlit's own websocket protocol, as the browser does:

* connect to ``ws://HOST/_stcore/stream`` with the ``streamlit`` subprotocol (the browser puts
  an XSRF token and a session id in the 2nd/3rd subprotocol entries; both are optional and only
  matter for login cookies and reconnects);
* send ``BackMsg.rerun_script`` (``ClientState``: query string, every widget state, page hash);
* read ``ForwardMsg``: ``new_session`` opens a script run, ``delta`` adds elements and blocks at
  ``metadata.delta_path``, ``page_info_changed`` rewrites the query string (the app puts the
  minted token in the URL), ``script_finished`` ends the run.

The package in four parts: :mod:`~hhvalues.cli.bots.client` (the protocol),
:mod:`~hhvalues.cli.bots.page` (the page model: elements found by their widget keys),
:mod:`~hhvalues.cli.bots.policy` (what a bot does) and this module (the command).

``--answer oracle`` reads the truth from the database in this process (a researcher tool run
on the server); the browser-facing app is never asked for it.

Every bot's participant is marked as a *rehearsal* in the database as soon as the app gives it
a link token (before its first answer): the console's Results and every export leave
rehearsal participants out unless asked to include them, so a study rehearsed on itself keeps
its human rows human.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from typing import IO, Any

import click

from hhvalues.cli.app import DB_OPTION, cli, database, now
from hhvalues.cli.bots.client import BotError, ConnectionLost, StreamlitClient, check_app
from hhvalues.cli.bots.page import Page, parse_seconds, user_key
from hhvalues.cli.bots.policy import (
    Bot,
    BotResult,
    Log,
    Oracle,
    arrival_offsets,
    percentile,
    run_bots,
)


@cli.command("bots")
@click.option("--study", "slug", required=True, help="Study to rehearse (open enrolment).")
@click.option("--count", type=click.IntRange(1, 10_000), default=1, show_default=True)
@click.option(
    "--answer",
    type=click.Choice(["random", "oracle"]),
    default="random",
    show_default=True,
    help="oracle reads the truth from the database, server-side.",
)
@click.option(
    "--url",
    "base_url",
    default="http://127.0.0.1:8501",
    show_default=True,
    help="Where the app runs (the address printed by 'streamlit run serve.py').",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Seconds to wait for any one page.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of random answers.")
@click.option(
    "--think",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Mean seconds a bot pauses before each click (0: as fast as the app allows).",
)
@click.option(
    "--arrive-within",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Open the bots' links at random moments within this many seconds, as a recruiting "
    "platform's launch does (0: all at once).",
)
@click.option(
    "--prologue-think",
    type=click.FloatRange(min=0),
    default=None,
    help="Mean seconds a bot pauses before each click until its first item (consent, "
    "instructions); default: --think.",
)
@click.option(
    "--patience",
    type=click.FloatRange(min=0),
    default=120.0,
    show_default=True,
    help="Seconds a bot keeps trying through a fault (a restart, an unavailable database), "
    "as a patient person would: it opens its link again, presses 'Try again', submits again.",
)
@click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write what each bot submitted to this file, one JSON line per submit and one per "
    "bot at the end (its token's SHA-256, as the database stores it), to check against the "
    "database afterwards.",
)
@DB_OPTION
def bots_cmd(
    slug: str,
    count: int,
    answer: str,
    base_url: str,
    timeout: float,
    seed: int,
    think: float,
    arrive_within: float,
    prologue_think: float | None,
    patience: float,
    log_path: str | None,
    db_url: str | None,
) -> int:
    """Drive COUNT simulated participants through the running app, concurrently.

    Each bot opens BASE/?study=SLUG over Streamlit's websocket protocol, consents, answers
    every item and must reach the completion code; after a server restart it reconnects with
    its link. Exit 0 when all did, 2 otherwise.
    """
    from hhvalues.store.studies import get_study, mark_rehearsal

    if not base_url.startswith(("http://", "https://")):
        raise BotError(f"--url must start with http:// or https://, got {base_url!r}")
    with database(db_url) as engine, contextlib.ExitStack() as closing:
        code = get_study(engine, slug).config.completion_code or None
        check_app(base_url, timeout=min(timeout, 10.0))  # before any bot enrols

        def mark(token: str) -> None:
            mark_rehearsal(engine, token, now=now, actor="bots")

        oracle = Oracle(engine) if answer == "oracle" else None
        log_file = None
        if log_path is not None:
            log_file = closing.enter_context(open(log_path, "w", encoding="utf-8"))
        t0 = time.perf_counter()
        results = asyncio.run(
            run_bots(
                base_url,
                slug,
                count,
                answer=answer,
                oracle=oracle,
                completion_code=code,
                timeout=timeout,
                seed=seed,
                think=think,
                patience=patience,
                log=None if log_file is None else _writer(log_file),
                arrive_within=arrive_within,
                prologue_think=prologue_think,
                mark=mark,
            )
        )
        wall = time.perf_counter() - t0
    lat = [x for r in results for x in r.latencies]
    firsts = [r.first_item for r in results if r.first_item is not None]
    done = [r for r in results if r.completion_code and not r.error]
    click.echo(
        f"{len(done)}/{count} bots reached the completion code in {wall:.1f} s; "
        f"{len(lat)} submits, server time submit→next page "
        f"p50 {percentile(lat, 50) * 1000:.0f} ms, p95 {percentile(lat, 95) * 1000:.0f} ms"
        + (f", mean {statistics.fmean(lat) * 1000:.0f} ms" if lat else "")
        + f"; link → first item p50 {percentile(firsts, 50):.2f} s, "
        f"p95 {percentile(firsts, 95):.2f} s ({len(firsts)} reached it)"
        + f"; {sum(r.fragment_reruns for r in results)} of "
        f"{sum(r.pages for r in results)} runs were fragment reruns"
        + (f", plus {sum(r.ticks for r in results)} countdown timer reruns" if think else "")
        + _faults(results)
    )
    failed = [r for r in results if r not in done]
    if failed:
        first = failed[0]
        reason = first.error or "no completion code"
        click.echo(
            f"error: {len(failed)} of {count} bots did not finish; bot {first.index}: {reason}",
            err=True,
        )
        return 2
    return 0


def _writer(fh: IO[str]) -> Log:
    """One JSON line per record, flushed at once (a rehearsal may be killed)."""

    def write(record: dict[str, Any]) -> None:
        fh.write(json.dumps(record, sort_keys=True) + "\n")
        fh.flush()

    return write


def _faults(results: list[BotResult]) -> str:
    reconnects = sum(r.reconnects for r in results)
    retries = sum(r.retries for r in results)
    if not reconnects and not retries:
        return ""
    return f"; through faults: {reconnects} reconnects, {retries} retries"


__all__ = [
    "Bot",
    "BotError",
    "BotResult",
    "ConnectionLost",
    "Oracle",
    "Page",
    "StreamlitClient",
    "arrival_offsets",
    "check_app",
    "parse_seconds",
    "percentile",
    "run_bots",
    "user_key",
]
