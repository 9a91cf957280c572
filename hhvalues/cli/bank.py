"""``hhvalues bank ...`` and ``hhvalues baseline``: make, check, describe and publish item banks."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import TypedDict

import click
import numpy as np

from hhvalues.cli.app import cli
from hhvalues.core.agents import AgentKind, run_agent
from hhvalues.core.answers import write_answers
from hhvalues.core.audit import audit_bank, format_audit
from hhvalues.core.bank import Bank, Split, load_bank, publish, write_bank
from hhvalues.core.generate import GenerateConfig, generate_bank
from hhvalues.core.validate import load_valid_bank, validate_bank
from hhvalues.errors import BankError, InputError


@cli.group()
def bank() -> None:
    """Generate, validate, inspect and publish item banks."""


@bank.command()
@click.option("--seed", type=int, required=True, help="Generator seed; same arguments, same bytes.")
@click.option("--items", type=click.IntRange(0), required=True, help="Number of test items.")
@click.option(
    "--train", type=click.IntRange(0), default=0, show_default=True, help="Training items."
)
@click.option("--catch", type=click.IntRange(0), default=0, show_default=True, help="Catch items.")
@click.option("--features", type=click.IntRange(2, 12), default=4, show_default=True)
@click.option("--size", type=click.IntRange(5, 12), default=7, show_default=True, help="Grid side.")
@click.option("--name", default="", help="Bank name (default generated-<seed>).")
@click.option(
    "--candidates",
    type=click.IntRange(1, 50),
    default=6,
    show_default=True,
    help="Candidate worlds per demonstration; the most informative is kept (1: none chosen).",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def generate(
    seed: int,
    items: int,
    train: int,
    catch: int,
    features: int,
    size: int,
    name: str,
    candidates: int,
    out: Path,
) -> None:
    """Generate a bank of informative worlds, simulated walks and probes (format 2)."""
    from tqdm import tqdm

    try:
        cfg = GenerateConfig(
            seed=seed,
            items=items,
            train=train,
            catch=catch,
            features=features,
            size=size,
            name=name,
            candidates=candidates,
        )
    except ValueError as exc:
        raise InputError(str(exc)) from None
    total = items + train + catch
    with tqdm(total=total, desc="items", unit="item", file=sys.stderr, disable=None) as bar:
        result = generate_bank(cfg, progress=lambda done, _total: bar.update(done - bar.n))
    write_bank(result, out)
    click.echo(f"wrote {out}: {len(result.items)} items, hash {result.content_hash[:16]}", err=True)


@bank.command()
@click.argument("path", type=click.Path(path_type=Path))
def validate(path: Path) -> int:
    """Check a bank; exit 2 naming the item and probe of every error."""
    b = load_bank(path)
    report = validate_bank(b)
    for w in report.warnings:
        click.echo(f"warning: {path}: {w}", err=True)
    for e in report.errors:
        click.echo(f"error: {path}: {e}", err=True)
    if not report.ok:
        return 2
    click.echo(f"{path}: valid ({len(b.items)} items, {len(report.warnings)} warning(s))")
    return 0


@bank.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def info(path: Path, as_json: bool) -> None:
    """Counts, features, difficulty summary and content hash."""
    b = load_valid_bank(path)
    summary = bank_summary(b)
    if as_json:
        click.echo(json.dumps(summary, indent=1, ensure_ascii=False))
        return
    click.echo(f"bank      {b.name} v{b.version}  (seed {b.seed})")
    click.echo(f"hash      {summary['content_hash']}")
    click.echo(f"truth     {'included' if b.has_truth else 'absent (public copy)'}")
    click.echo("items     " + ", ".join(f"{k} {v}" for k, v in summary["items"].items()))
    click.echo(
        "features  "
        + ", ".join(
            f"{f.label} [{f.symbol}]{' (destination)' if f.terminal else ''}" for f in b.features
        )
    )
    click.echo(f"format    {b.model.format}")
    click.echo(
        f"model     {b.model.planner.value} planner, horizon {b.model.horizon}, "
        f"step cost {b.step_cost:g}, lapse {b.model.lapse:g}, "
        f"rationality {list(b.model.rationality_levels)}"
    )
    click.echo(
        "levels    "
        + "; ".join(
            f"{f.label} {list(lv)}"  # labels, as participants read them (ids: --json)
            for f, lv in zip(b.features, b.model.levels(b.features), strict=True)
        )
    )
    click.echo("probes    " + ", ".join(f"{k} {v}" for k, v in summary["probe_types"].items()))
    click.echo("difficulty " + ", ".join(f"{k} {v}" for k, v in summary["difficulty"].items()))
    if summary["share_A"] is not None:
        click.echo(f"correct A {summary['share_A']:.1%} of probes")
    if summary["ceiling_realised"] is not None:
        click.echo(
            f"ceiling   realised {summary['ceiling_realised']:.1%}, expected "
            f"{summary['ceiling_expected']:.1%} (test items; `bank audit` checks that "
            "the two agree)"
        )


@bank.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def audit(path: Path, as_json: bool) -> None:
    """Validity report: observer calibration, heuristics, balance and walks, per kind and third."""
    from tqdm import tqdm

    b = load_valid_bank(path)
    with tqdm(
        total=len(b.by_split(Split.TEST)),
        desc="auditing",
        unit="item",
        file=sys.stderr,
        disable=None,
    ) as bar:
        try:
            report = audit_bank(b, progress=lambda done, _total: bar.update(done - bar.n))
        except BankError as exc:
            raise BankError(exc.message, where=str(path)) from None
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=1, ensure_ascii=False))
        return
    click.echo(format_audit(report))


class BankSummary(TypedDict):
    """What :func:`bank_summary` returns (``bank info --json`` prints it in this key order)."""

    name: str
    version: str
    content_hash: str
    items: dict[str, int]
    features: list[str]
    probe_types: dict[str, int]
    difficulty: dict[str, int]
    share_A: float | None
    ceiling_realised: float | None
    ceiling_expected: float | None


def bank_summary(b: Bank) -> BankSummary:
    """The figures ``bank info`` prints."""
    probes = [(it, p) for it in b.items for p in it.probes]
    test = [(it, p) for it, p in probes if it.split is Split.TEST]
    answers = [it.truth.answers[p.id] for it, p in probes if it.truth is not None]
    ideal = [
        (it.truth.ideal[p.id] >= 0.5) == (it.truth.answers[p.id] == "A")
        for it, p in test
        if it.truth is not None and p.id in it.truth.ideal
    ]
    qs = [p.q for _, p in test if p.q is not None]
    return {
        "name": b.name,
        "version": b.version,
        "content_hash": b.content_hash,
        "items": {s.value: len(b.by_split(s)) for s in Split},
        "features": [f.id for f in b.features],
        "probe_types": dict(Counter(p.kind.value for _, p in probes)),
        "difficulty": dict(
            Counter(p.difficulty.value if p.difficulty else "unknown" for _, p in test)
        ),
        "share_A": (answers.count("A") / len(answers)) if answers else None,
        "ceiling_realised": float(np.mean(ideal)) if ideal else None,
        "ceiling_expected": float(np.mean(qs)) if qs else None,
    }


@bank.command(name="publish")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def publish_cmd(path: Path, out: Path) -> None:
    """Write a copy without truth, safe to give to respondents."""
    public = publish(load_valid_bank(path))
    write_bank(public, out)
    click.echo(f"wrote {out}: public copy, hash {public.content_hash[:16]}", err=True)


@cli.command()
@click.option("--bank", "bank_path", type=click.Path(path_type=Path), required=True)
@click.option("--agent", type=click.Choice([k.value for k in AgentKind]), required=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def baseline(bank_path: Path, agent: str, seed: int, out: Path) -> None:
    """Answer a bank with a reference agent (random, oracle, ideal, heuristic)."""
    b = load_valid_bank(bank_path)
    n = write_answers(run_agent(b, AgentKind(agent), rng=np.random.default_rng(seed)), out)
    click.echo(f"wrote {out}: {n} answers from agent:{agent}", err=True)
