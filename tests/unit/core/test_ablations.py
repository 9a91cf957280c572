"""Ablation report on hand-made answers of known accuracy."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np

from hhvalues.cli import main
from hhvalues.core.ablations import ablation_reports, epoch_correlation, power_table
from hhvalues.core.answers import Answer, write_answers
from hhvalues.core.bank import load_bank
from hhvalues.core.scoring import grade

BANK = Path(__file__).resolve().parents[2] / "data" / "examples" / "tiny_bank.json"


def _answers(
    bank, cond: str, p_right: float, epochs: int, rng: np.random.Generator
) -> list[Answer]:
    out = []
    for it in bank.items:
        for e in range(epochs):
            ch = {}
            for p in it.probes:
                truth = it.truth.answers[p.id]
                ch[p.id] = truth if rng.random() < p_right else ("B" if truth == "A" else "A")
            out.append(Answer(f"model:openai/m/{cond}", it.id, e, ch))
    return out


def test_report_pairs_conditions_with_their_baseline(tmp_path: Path) -> None:
    bank = load_bank(BANK)
    rng = np.random.default_rng(0)
    answers = (
        _answers(bank, "baseline", 0.5, 6, rng)
        + _answers(bank, "good", 1.0, 6, rng)
        + _answers(bank, "bad", 0.0, 6, rng)
    )
    reports = ablation_reports(grade(bank, answers), "baseline", n_boot=500)
    assert len(reports) == 1 and reports[0].model == "openai/m"
    diffs = {c.a.rsplit("/", 1)[1]: c.diff for c in reports[0].comparisons}
    assert diffs["good"] > 0.3 and diffs["bad"] < -0.3
    assert all(c.p_holm is not None and c.p_holm >= c.p_value for c in reports[0].comparisons)
    mdes = [r.mde_vs_chance for r in reports[0].power]
    assert all(a >= b for a, b in itertools.pairwise(mdes))
    path = tmp_path / "a.jsonl"
    write_answers(answers, path)
    assert (
        main(
            [
                "ablations",
                "--bank",
                str(BANK),
                "--answers",
                str(path),
                "--baseline",
                "baseline",
                "--n-boot",
                "200",
                "--json",
            ]
        )
        == 0
    )
    assert (
        main(["ablations", "--bank", str(BANK), "--answers", str(path), "--baseline", "nope"]) == 2
    )


def test_epoch_correlation_and_power() -> None:
    bank = load_bank(BANK)
    rng = np.random.default_rng(1)
    same = []
    for it in bank.items:
        ch = {p.id: ("A" if rng.random() < 0.5 else "B") for p in it.probes}
        same += [Answer("model:x/m/base", it.id, e, ch) for e in range(4)]
    rho, n = epoch_correlation(grade(bank, same), "model:x/m/base")
    assert rho == 1.0 and n == 8
    rows = power_table(100, 1.0, (1, 5))
    assert rows[0].n_effective == rows[1].n_effective == 100
    independent = power_table(100, 0.0, (1, 4))
    assert independent[1].n_effective == 400
    assert json.dumps([r.mde_paired for r in independent])


def test_one_epoch_says_rho_is_unknown_and_shows_what_more_epochs_would_buy(tmp_path: Path) -> None:
    """Issue 15 item 17: with one epoch the table was flat (ρ taken as 1) and said nothing."""
    from hhvalues.core.ablations import UNMEASURED_RHO, format_reports, reports_to_json

    bank = load_bank(BANK)
    rng = np.random.default_rng(2)
    answers = _answers(bank, "baseline", 0.6, 1, rng) + _answers(bank, "other", 0.7, 1, rng)
    graded = grade(bank, answers)
    rho, n = epoch_correlation(graded, "model:openai/m/baseline")
    assert np.isnan(rho) and n > 0
    (rep,) = ablation_reports(graded, "baseline", n_boot=200)
    assert not rep.rho_measured and UNMEASURED_RHO == 0.0
    n_eff = [r.n_effective for r in rep.power]
    assert n_eff == [n * e for e in (1, 2, 3, 5, 10, 20)]  # not flat: what more epochs buy
    text = format_reports([rep])
    assert "one epoch each, so the between-epoch correlation ρ is unknown" in text
    assert "every row would equal the first" in text
    doc = reports_to_json([rep])["reports"][0]
    assert doc["rho"] is None and doc["rho_measured"] is False and doc["rho_assumed"] == 0.0
    measured = ablation_reports(
        grade(bank, _answers(bank, "baseline", 0.6, 3, rng)), "baseline", n_boot=200
    )[0]
    assert measured.rho_measured and "measured on the baseline" in measured.power_note()
