"""``hhvalues score`` and ``hhvalues compare``: grade answer files with the one scoring core."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import click

from hhvalues.cli.app import cli
from hhvalues.core.answers import parse_respondent
from hhvalues.core.bank import Bank, load_bank
from hhvalues.core.scoring import (
    CHANCE,
    SCORED_SPLITS,
    SPLITS,
    STATUSES,
    Comparison,
    Graded,
    GroupScore,
    RespondentScore,
    Scores,
    compare,
    comparison_to_json,
    grade_files,
    score,
    scores_to_json,
)
from hhvalues.core.validate import check_model
from hhvalues.errors import AnswersError, BankError

_ANSWERS_HELP = "Answers file(s), JSON Lines; repeat the option or list several after it."


def _load_full_bank(path: str) -> Bank:
    bank = load_bank(path)
    check_model(bank, path)
    if not bank.has_truth:
        raise BankError(
            "scoring needs the full bank with truth (this is a public copy)", where=path
        )
    return bank


def answer_paths(answers: Sequence[str], more: Sequence[str]) -> list[str]:
    """The files of :func:`answers_options`; AnswersError when there is none."""
    paths = [*answers, *more]
    if not paths:
        raise AnswersError("no answers file given (use --answers FILE [FILE ...])")
    return paths


def _grade(
    bank_path: str, answers: Sequence[str], more: Sequence[str], splits: Sequence[str]
) -> Graded:
    graded = grade_files(_load_full_bank(bank_path), answer_paths(answers, more))
    return graded.select(splits=splits)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _statuses(counts: dict[str, int], unanswered: int) -> str:
    parts = [f"{k} {v}" for k, v in counts.items() if v and k != STATUSES[0].value]
    if unanswered:  # probes left blank in ok and timeout answers (graded wrong)
        parts.append(f"unanswered {unanswered}")
    return ", ".join(parts) if parts else "all ok"


def _table(rows: list[list[str]], *, left: int) -> str:
    """Align columns: the first ``left`` and the last to the left, numbers to the right."""
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        cells = [
            r[c].ljust(widths[c]) if c < left or c == len(r) - 1 else r[c].rjust(widths[c])
            for c in range(len(r))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _row(name: str, group: str | None, s: RespondentScore | GroupScore) -> list[str]:
    ci = "—" if s.ci_low is None or s.ci_high is None else f"{_pct(s.ci_low)}–{_pct(s.ci_high)}"
    norm = "—" if s.normalized is None else f"{s.normalized:+.2f}"
    return [
        name,
        group or "",
        _pct(s.accuracy),
        ci,
        str(s.n_items),
        str(s.n_probes),
        _pct(s.ceiling),
        norm,
        _statuses(s.status_counts, s.n_unanswered),
    ]


def format_scores(scores: Scores) -> str:
    """The readable table of a score run."""
    header = [
        "respondent",
        scores.by if scores.by != "respondent" else "",
        "accuracy",
        "95% CI",
        "items",
        "probes",
        "ceiling",
        "normalized",
        "statuses",
    ]
    rows = [header] + [_row(r.respondent, r.group, r) for r in scores.rows]
    rows += [_row(g.name + f" (mean of {len(g.members)})", None, g) for g in scores.groups]
    left = 2
    if scores.by == "respondent":
        rows, left = [r[:1] + r[2:] for r in rows], 1
    return (
        f"chance {_pct(scores.chance)}; 95% CI by bootstrap over items "
        f"({scores.n_boot} draws, seed {scores.seed})\n\n{_table(rows, left=left)}"
    )


def _kind_groups(graded: Graded, kinds: Sequence[str]) -> dict[str, list[str]]:
    groups = {}
    for kind in kinds:
        members = [r for r in graded.respondents if parse_respondent(r)[0] == kind]
        if not members:
            raise AnswersError(f"no respondent of kind {kind!r} to group")
        groups[f"{kind}:*"] = members
    return groups


def _splits(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    if "all" in value:
        return tuple(s.value for s in SPLITS)
    return value or tuple(s.value for s in SCORED_SPLITS)


SPLIT_OPTION = click.option(
    "--split",
    "splits",
    multiple=True,
    type=click.Choice([*(s.value for s in SPLITS), "all"]),
    callback=_splits,
    help=f"Score items of this split (repeatable; 'all' for every split); default "
    f"{', '.join(s.value for s in SCORED_SPLITS)}, as on the console's Results page.",
)
"""``--split`` of ``score``, ``compare`` and ``ablations``: one default, :data:`SCORED_SPLITS`."""


def answers_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--answers FILE [FILE ...]``: repeat the option or list several files after it (a
    shell glob), for every command that reads answer files."""
    f = click.argument("more", nargs=-1)(f)
    return click.option("--answers", multiple=True, help=_ANSWERS_HELP)(f)


@cli.command("score")
@click.option("--bank", "bank_path", required=True, help="The full bank (with truth).")
@answers_options
@click.option("--json", "as_json", is_flag=True, help="Print the scores JSON (docs/formats.md §3).")
@click.option(
    "--by",
    type=click.Choice(["respondent", "item", "type"]),
    default="respondent",
    show_default=True,
    help="One row per respondent, or per respondent × item / probe type.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option(
    "--n-boot",
    type=click.IntRange(min=100),
    default=2000,
    show_default=True,
    help="Bootstrap draws.",
)
@click.option(
    "--group",
    "group_kinds",
    multiple=True,
    metavar="KIND",
    help="Add a group row (mean over participants, CI over participants and items) "
    "for every respondent of this kind, e.g. human.",
)
@SPLIT_OPTION
def score_command(
    bank_path: str,
    answers: tuple[str, ...],
    more: tuple[str, ...],
    as_json: bool,
    by: str,
    seed: int,
    n_boot: int,
    group_kinds: tuple[str, ...],
    splits: tuple[str, ...],
) -> None:
    """Grade answers against a bank: accuracy, 95% CI, ceiling and statuses per respondent."""
    graded = _grade(bank_path, answers, more, splits)
    scores = score(
        graded,
        by=by,  # type: ignore[arg-type]  # click.Choice guarantees a By value
        seed=seed,
        n_boot=n_boot,
        groups=_kind_groups(graded, group_kinds),
    )
    if as_json:
        click.echo(json.dumps(scores_to_json(scores), ensure_ascii=False, indent=1))
    else:
        click.echo(format_scores(scores))


def format_comparison(c: Comparison) -> str:
    """The readable form of a paired comparison."""
    ci = (
        "—"
        if c.ci_low is None or c.ci_high is None
        else f"{100 * c.ci_low:+.1f} to {100 * c.ci_high:+.1f}"
    )
    p = "—" if c.p_value is None else f"{c.p_value:.3g}"
    kappa = "—" if c.kappa is None else f"{c.kappa:+.3f}"
    kci = (
        ""
        if c.kappa_low is None or c.kappa_high is None
        else f" (95% CI {c.kappa_low:+.3f} to {c.kappa_high:+.3f})"
    )
    return "\n".join(
        [
            f"a = {c.a}",
            f"b = {c.b}",
            f"common items        {c.n_items}",
            f"accuracy a          {_pct(c.accuracy_a)}",
            f"accuracy b          {_pct(c.accuracy_b)}",
            f"difference a − b    {100 * c.diff:+.1f} points (95% CI {ci}), p = {p}"
            if c.n_items
            else "difference a − b    — (no common items)",
            f"McNemar (exact)     a only right {c.mcnemar.only_x}, "
            f"b only right {c.mcnemar.only_y}, "
            f"p = {c.mcnemar.p_value:.3g} over {c.n_pairs} paired probe answers",
            f"error consistency   kappa {kappa}{kci}",
            f"chance              {_pct(CHANCE)}",
        ]
    )


@cli.command("compare")
@click.option("--bank", "bank_path", required=True, help="The full bank (with truth).")
@answers_options
@click.option("--a", "a", required=True, help="First respondent (kind:name).")
@click.option("--b", "b", required=True, help="Second respondent (kind:name).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option(
    "--n-boot",
    type=click.IntRange(min=100),
    default=2000,
    show_default=True,
    help="Bootstrap draws.",
)
@SPLIT_OPTION
def compare_command(
    bank_path: str,
    answers: tuple[str, ...],
    more: tuple[str, ...],
    a: str,
    b: str,
    as_json: bool,
    seed: int,
    n_boot: int,
    splits: tuple[str, ...],
) -> None:
    """Paired difference of two respondents over common items, McNemar and error consistency."""
    graded = _grade(bank_path, answers, more, splits)
    result = compare(graded, a, b, seed=seed, n_boot=n_boot)
    if as_json:
        click.echo(json.dumps(comparison_to_json(result), ensure_ascii=False, indent=1))
    else:
        click.echo(format_comparison(result))
