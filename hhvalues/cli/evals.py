"""``hhvalues eval``, ``hhvalues eval-batch`` and ``hhvalues ablations``: model runs and reports."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from hhvalues.cli.app import DB_OPTION, LazyChoice, cli
from hhvalues.cli.score import SPLIT_OPTION, answer_paths, answers_options
from hhvalues.core.bank import Bank
from hhvalues.core.validate import load_valid_bank
from hhvalues.errors import InputError


def _cache_dir(cache_dir: Path | None, no_cache: bool) -> Path | None:
    if no_cache:
        return None
    if cache_dir is not None:
        return cache_dir
    env = os.environ.get("HHVALUES_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "hhvalues" / "responses"


def _providers() -> list[str]:
    from hhvalues.evals.providers import PROVIDERS

    return list(PROVIDERS)


def _run_options(f: Any) -> Any:
    opts = [
        click.option(
            "--bank", "bank_path", type=click.Path(dir_okay=False, path_type=Path), required=True
        ),
        click.option("--provider", type=LazyChoice(_providers), required=True),
        click.option("--model", required=True, help="Model name as the provider knows it."),
        click.option(
            "--conditions",
            "conditions_path",
            type=click.Path(dir_okay=False, path_type=Path),
            required=True,
            help="Conditions TOML (e.g. conditions/published-study.toml).",
        ),
        click.option(
            "--condition", "names", multiple=True, help="Only these conditions (repeatable)."
        ),
        click.option(
            "--epochs",
            type=click.IntRange(1),
            default=None,
            help="Override every condition's epochs.",
        ),
        click.option(
            "--limit", type=click.IntRange(1), default=None, help="Only the first N items."
        ),
        click.option(
            "--base-url", default=None, help="Endpoint (else the SDK's default or its env var)."
        ),
        click.option(
            "--out",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Answers JSONL (default runs/<provider>_<model>.jsonl); also the resume log.",
        ),
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Response cache (default $HHVALUES_CACHE_DIR or ~/.cache/hhvalues/responses).",
        ),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the response cache."),
        DB_OPTION,
        click.option(
            "--no-store",
            is_flag=True,
            help="Write the JSONL only, not the answers to the database.",
        ),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _sink_factory(bank: Bank, db_url: str | None, no_store: bool) -> Any:
    """Where a run's answers go: the JSONL, and (unless ``--no-store``) the database every other
    command uses (``--db``, else ``HHVALUES_DATABASE_URL``, else the project's), so they reach
    the console's Results; a database that does not exist yet is made (a run makes answers)."""
    from hhvalues.evals.log import JsonlSink

    if no_store:
        click.echo("database: none (--no-store), answers in the JSONL only", err=True)
        return JsonlSink
    from hhvalues.evals.store_sink import make_store_sink_factory
    from hhvalues.store.db import database_exists, display_url, locate

    where = locate(db_url)
    new = "" if database_exists(where.url) else ", new"
    click.echo(
        f"database: {display_url(where.url)} ({where.source}){new}, answers stored", err=True
    )
    return make_store_sink_factory(where.url, bank)


def _default_out(provider: str, model: str, out: Path | None) -> Path:
    if out is not None:
        return out
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in model)
    return Path("runs") / f"{provider}_{safe}.jsonl"


@cli.command("eval")
@_run_options
@click.option(
    "--concurrency",
    type=click.IntRange(1, 1024),
    default=8,
    show_default=True,
    help="Upper bound of the adaptive concurrency limit.",
)
@click.option(
    "--dry-run", is_flag=True, help="Print the exact prompts and image paths; send nothing."
)
@click.option(
    "--retry-errors", is_flag=True, help="Ask again where an earlier run recorded an error."
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1),
    default=120.0,
    show_default=True,
    help="Seconds per request.",
)
@click.option("--max-attempts", type=click.IntRange(1), default=6, show_default=True)
@click.option(
    "--backoff",
    type=click.FloatRange(0.0),
    default=1.0,
    show_default=True,
    help="First backoff in seconds (doubles per attempt) when no Retry-After is given.",
)
@click.option(
    "--price-in", type=float, default=None, help="USD per million input tokens (cost display)."
)
@click.option("--price-out", type=float, default=None, help="USD per million output tokens.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def eval_(
    bank_path: Path,
    provider: str,
    model: str,
    conditions_path: Path,
    names: tuple[str, ...],
    epochs: int | None,
    limit: int | None,
    base_url: str | None,
    out: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
    db_url: str | None,
    no_store: bool,
    concurrency: int,
    dry_run: bool,
    retry_errors: bool,
    timeout: float,
    max_attempts: int,
    backoff: float,
    price_in: float | None,
    price_out: float | None,
    no_progress: bool,
    as_json: bool,
) -> None:
    """Ask a model every item under every condition; resumable, graded by the scoring core."""
    from hhvalues.evals.conditions import load_conditions, select_conditions
    from hhvalues.evals.runner import RunConfig, run_eval
    from hhvalues.evals.runner import dry_run as do_dry_run

    bank = load_valid_bank(bank_path)
    conditions = select_conditions(load_conditions(conditions_path), list(names))
    config = RunConfig(
        provider=provider,
        model=model,
        out=_default_out(provider, model, out),
        base_url=base_url,
        concurrency=concurrency,
        epochs=epochs,
        limit=limit,
        timeout=timeout,
        max_attempts=max_attempts,
        backoff_base=backoff,
        retry_errors=retry_errors,
        cache_dir=_cache_dir(cache_dir, no_cache),
        price_in=price_in,
        price_out=price_out,
        progress=not no_progress,
    )
    if dry_run:
        do_dry_run(bank, conditions, config, sys.stdout)
        return
    sinks = _sink_factory(bank, db_url, no_store)
    summary = asyncio.run(run_eval(bank, conditions, config, sink_factory=sinks))
    report = run_report(bank, config.out, list(summary.counts))
    report.update(
        {
            "calls": summary.calls,
            "cached": summary.cached,
            "skipped": summary.skipped,
            "model_ids": sorted(summary.model_ids),
            "dropped": summary.dropped,
            "answers": str(config.out),
        }
    )
    _print_report(report, as_json)


@cli.command("eval-batch")
@_run_options
@click.option(
    "--poll",
    type=click.FloatRange(0.0),
    default=30.0,
    show_default=True,
    help="Seconds between status checks.",
)
@click.option("--no-wait", is_flag=True, help="Submit and exit; run again to collect.")
@click.option(
    "--retry-errors", is_flag=True, help="Ask again where an earlier run recorded an error."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def eval_batch(
    bank_path: Path,
    provider: str,
    model: str,
    conditions_path: Path,
    names: tuple[str, ...],
    epochs: int | None,
    limit: int | None,
    base_url: str | None,
    out: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
    db_url: str | None,
    no_store: bool,
    poll: float,
    no_wait: bool,
    retry_errors: bool,
    as_json: bool,
) -> None:
    """Like ``eval`` through the providers' batch APIs (half price); resumable; no response cache."""
    from hhvalues.evals.batch import run_batch
    from hhvalues.evals.conditions import load_conditions, select_conditions
    from hhvalues.evals.runner import RunConfig

    bank = load_valid_bank(bank_path)
    conditions = select_conditions(load_conditions(conditions_path), list(names))
    config = RunConfig(
        provider=provider,
        model=model,
        out=_default_out(provider, model, out),
        base_url=base_url,
        epochs=epochs,
        limit=limit,
        retry_errors=retry_errors,
        cache_dir=None,
        progress=False,
    )
    sinks = _sink_factory(bank, db_url, no_store)
    summary = asyncio.run(
        run_batch(bank, conditions, config, poll_seconds=poll, wait=not no_wait, sink_factory=sinks)
    )
    report = run_report(bank, config.out, list(summary.counts))
    report.update(
        {
            "calls": summary.calls,
            "cached": 0,
            "skipped": summary.skipped,
            "model_ids": sorted(summary.model_ids),
            "answers": str(config.out),
        }
    )
    _print_report(report, as_json)


def run_report(bank: Bank, answers: Path, respondents: list[str]) -> dict[str, Any]:
    """Status counts per condition, and (with truth) accuracy overall and on ok answers."""
    from hhvalues.core.answers import iter_answers

    counts: dict[str, Counter[str]] = {r: Counter() for r in respondents}
    lazy: Counter[str] = Counter()
    for a in iter_answers(answers):
        if a.respondent in counts:
            counts[a.respondent][a.status.value] += 1
            lazy[a.respondent] += bool(a.extra.get("lazy"))
    rows: dict[str, dict[str, Any]] = {
        r: {"respondent": r, "status_counts": dict(c), "lazy": lazy[r]} for r, c in counts.items()
    }
    if bank.has_truth and rows:
        from hhvalues.core.scoring import grade_files, score

        graded = grade_files(bank, [answers], allow_empty=True).select(respondents=respondents)
        for row in score(graded, n_boot=1000).rows:
            if row.respondent in rows:
                rows[row.respondent].update(
                    {
                        "accuracy": row.accuracy,
                        "ci_low": row.ci_low,
                        "ci_high": row.ci_high,
                        "accuracy_ok": row.accuracy_ok,
                        "n_items": row.n_items,
                        "n_probes": row.n_probes,
                    }
                )
    return {"respondents": list(rows.values())}


def _print_report(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report, indent=1, default=str))
        return

    def pct(x: Any) -> str:
        return "   -  " if x is None else f"{100 * x:5.1f}%"

    click.echo(f"{'respondent':<48} {'acc':>6} {'acc ok':>6}  statuses")
    for r in report["respondents"]:
        st = " ".join(f"{k}={v}" for k, v in sorted(r["status_counts"].items()))
        click.echo(
            f"{r['respondent']:<48} {pct(r.get('accuracy'))} {pct(r.get('accuracy_ok'))}  "
            f"{st} lazy={r['lazy']}"
        )
    click.echo(
        f"calls {report['calls']}, cached {report['cached']}, already done {report['skipped']}; "
        f"model ids {', '.join(report['model_ids']) or '-'}; answers in {report['answers']}",
        err=True,
    )
    for condition, params in report.get("dropped", {}).items():
        click.echo(
            f"condition {condition}: sent without {', '.join(params)} (allow_dropped)", err=True
        )


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise InputError(message)


@cli.command()
@click.option("--bank", "bank_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@answers_options
@click.option(
    "--baseline",
    required=True,
    help="Condition every other condition is compared with (a name from the conditions file, "
    "e.g. baseline).",
)
@SPLIT_OPTION
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--n-boot", type=click.IntRange(100), default=2000, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ablations(
    bank_path: Path,
    answers: tuple[str, ...],
    more: tuple[str, ...],
    baseline: str,
    splits: tuple[str, ...],
    seed: int,
    n_boot: int,
    as_json: bool,
) -> None:
    """Every condition against the baseline: paired, McNemar, Holm; power by epochs.

    On the test split by default, so the numbers equal the console's Results page.
    """
    from hhvalues.core.ablations import ablation_reports, format_reports, reports_to_json
    from hhvalues.core.scoring import grade_files

    bank = load_valid_bank(bank_path)
    _require(bank.has_truth, f"{bank_path}: ablations need the full bank with truth")
    graded = grade_files(bank, answer_paths(answers, more)).select(splits=list(splits))
    reports = ablation_reports(graded, baseline, seed=seed, n_boot=n_boot)
    if as_json:
        click.echo(json.dumps(reports_to_json(reports), indent=1))
    else:
        click.echo(format_reports(reports))


@cli.command("import-inspect")
@click.argument("log", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def import_inspect(log: Path, out: Path) -> None:
    """Convert an Inspect AI log of the hhvalues task to an answers JSONL (needs hhvalues[inspect])."""
    from hhvalues.core.answers import write_answers
    from hhvalues.inspect_task import answers_from_inspect_log

    n = write_answers(answers_from_inspect_log(log), out)
    click.echo(f"wrote {out}: {n} answers", err=True)
