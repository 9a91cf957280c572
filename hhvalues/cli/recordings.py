"""``hhvalues bank from-recordings`` and ``hhvalues recordings``: recorded human walks → items.

Walks come from a ``demonstrate`` study (``hhvalues study create ... --kind demonstrate``). Every
walk is reported (stderr, and in the bank's ``meta.recordings.walks``) with its quality and why
it was used or left out: nothing is dropped silently.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from hhvalues.cli.app import DB_OPTION, cli, database
from hhvalues.cli.bank import bank
from hhvalues.core.bank import write_bank
from hhvalues.core.walks import DEFAULT_LAPSE


@bank.command("from-recordings")
@click.option("--study", "slug", required=True, help="A demonstration study.")
@click.option(
    "--min-quality",
    type=float,
    default=None,
    metavar="Q",
    help="Exclude walks whose normalised return (0 = random walker, 1 = optimal) is "
    "below Q (default: the study's rule, 0.25).",
)
@click.option(
    "--lapse",
    type=click.FloatRange(0.0, 0.5, max_open=True),
    default=DEFAULT_LAPSE,
    show_default=True,
    help="Lapse rate written into model.lapse for the ideal observer.",
)
@click.option("--demos-per-item", type=click.IntRange(1, 5), default=3, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Probe generator seed.")
@click.option("--name", default="", help="Bank name (default recorded-<study>).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@DB_OPTION
def from_recordings(
    slug: str,
    min_quality: float | None,
    lapse: float,
    demos_per_item: int,
    seed: int,
    name: str,
    out: Path,
    db_url: str | None,
) -> None:
    """Build a bank whose demonstrations are the recorded walks of a demonstration study."""
    from hhvalues.store.demonstration import recorded_bank

    with database(db_url) as engine:
        made = recorded_bank(
            engine,
            slug,
            min_quality=min_quality,
            lapse=lapse,
            demos_per_item=demos_per_item,
            seed=seed,
            name=name,
        )
    result, open_walks = made.built, made.in_progress
    write_bank(result.bank, out)
    err = sys.stderr
    for r in result.walks:
        q = r.quality
        status = f"item {r.item}" if r.item else f"left out: {r.reason}"
        click.echo(
            f"{r.walk.id}\t{r.walk.participant}\t{r.walk.instruction}\treturn {q.ret:g} "
            f"(optimal {q.optimal:g}, random {q.random:.3g}, score {q.score:.2f})\t{status}",
            file=err,
        )
    used = sum(1 for r in result.walks if r.item)
    click.echo(
        f"wrote {out}: {len(result.bank.items)} items from {used} of {len(result.walks) + open_walks} walks "
        f"({open_walks} still in progress), hash {result.bank.content_hash[:16]}",
        err=True,
    )


@cli.group()
def recordings() -> None:
    """Recorded human walks of demonstration studies."""


@recordings.command("compare")
@click.option("--study", "slug", required=True)
@click.option("--samples", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@DB_OPTION
def compare_cmd(slug: str, samples: int, seed: int, db_url: str | None) -> None:
    """Human vs simulated demonstrator in the same worlds with the same weights (JSON)."""
    from hhvalues.store.demonstration import compare_recordings, study_recordings

    with database(db_url) as engine:
        rec = study_recordings(engine, slug)
    rows, summary = compare_recordings(rec, samples=samples, seed=seed)
    click.echo(
        json.dumps(
            {"walks": [r._asdict() for r in rows], "summary": [s._asdict() for s in summary]},
            indent=1,
        )
    )
