"""The Results page's ablation reports are ``hhvalues ablations``' numbers (issue 5, item 7)."""

from __future__ import annotations

import json
import zipfile

import numpy as np

from hhvalues.cli import main
from hhvalues.core.ablations import reports_to_json
from hhvalues.core.answers import Answer
from hhvalues.core.bank import Bank, Split
from hhvalues.core.validate import load_valid_bank
from hhvalues.store.analysis import study_results
from hhvalues.store.db import import_bank, record_answers, write_session
from hhvalues.store.exports import ExportFormat, write_export
from hhvalues.store.studies import StudyConfig, create_study, get_study
from tests.integration.console.conftest import DEMO, page, shown, sign_in

# p/m ran three conditions, q/n two; "zero" is the only one both ran (the default baseline,
# although "cot" comes first by name). Accuracy differs by condition so the diffs are real.
RUNS = {"p/m": {"cot": 0.9, "zero": 0.6, "terse": 0.4}, "q/n": {"zero": 0.7, "short": 0.5}}
EPOCHS = 3


def _model_answers(bank: Bank) -> list[Answer]:
    rng = np.random.default_rng(0)
    out = []
    for model, conditions in RUNS.items():
        for cond, p_right in conditions.items():
            for e in range(EPOCHS):
                for it in bank.items:
                    if it.split is Split.TRAIN:
                        continue  # models answer test and catch items only
                    truth = it.truth.answers
                    out.append(
                        Answer(
                            f"model:{model}/{cond}",
                            it.id,
                            e,
                            {
                                p.id: truth[p.id]
                                if rng.random() < p_right
                                else ("B" if truth[p.id] == "A" else "A")
                                for p in it.probes
                            },
                        )
                    )
    return out


def _record(engine, bank_id: int, bank: Bank, clock) -> None:
    with write_session(engine) as session:
        record_answers(session, _model_answers(bank), bank_id=bank_id, now=clock)


def test_results_ablations_equal_the_cli(engine, clock, tmp_path, capsys):
    bank = load_valid_bank(DEMO)
    with write_session(engine) as session:
        info = import_bank(session, bank, now=clock)
    create_study(
        engine,
        slug="s",
        bank_id=info.id,
        config=StudyConfig(items=4, train=1, catch=1),
        now=clock,
        actor="test",
    )
    _record(engine, info.id, bank, clock)
    page_ = study_results(engine, "s")
    assert page_.conditions == ("cot", "short", "terse", "zero") and page_.baseline == "zero"
    assert [r.model for r in page_.ablations] == ["p/m", "q/n"]
    assert [len(r.comparisons) for r in page_.ablations] == [2, 1]
    bundle = write_export(
        engine, "s", ExportFormat.BUNDLE, tmp_path / "b.zip", actor="test", now=clock
    )
    with zipfile.ZipFile(bundle.path) as z:
        z.extractall(tmp_path)
    files = [str(tmp_path / f) for f in ("answers.jsonl", "models.jsonl", "agents.jsonl")]
    capsys.readouterr()
    args = [x for f in files for x in ("--answers", f)]
    assert (
        main(
            [
                "ablations",
                "--bank",
                str(tmp_path / "bank.json"),
                *args,
                "--baseline",
                "zero",
                "--json",
            ]
        )
        == 0
    )
    cli = json.loads(capsys.readouterr().out)
    assert cli == reports_to_json(page_.ablations)
    for rep in cli["reports"]:
        for c in rep["comparisons"]:
            assert c["n_items"] == 24  # the demo bank's test items, not train or catch
            assert None not in (
                c["diff"],
                c["ci_low"],
                c["ci_high"],
                c["p_value"],
                c["p_holm"],
                c["mcnemar"]["p_value"],
            )
        assert [p["epochs"] for p in rep["power"]] == [1, 2, 3, 5, 10, 20]
    other = study_results(engine, "s", baseline="cot")
    assert other.baseline == "cot" and [r.model for r in other.ablations] == ["p/m"]
    assert study_results(engine, "s", baseline="nope").baseline == "zero"


def test_results_without_two_conditions_have_no_ablations(engine, clock):
    bank = load_valid_bank(DEMO)
    with write_session(engine) as session:
        info = import_bank(session, bank, now=clock)
    create_study(
        engine,
        slug="s",
        bank_id=info.id,
        config=StudyConfig(items=4, train=1, catch=1),
        now=clock,
        actor="test",
    )
    one = [a for a in _model_answers(bank) if a.respondent == "model:p/m/cot"]
    with write_session(engine) as session:
        record_answers(session, one, bank_id=info.id, now=clock)
    results = study_results(engine, "s")
    assert results.conditions == ("cot",) and results.ablations == ()


def test_results_page_shows_ablations_and_switches_the_baseline(
    app_engine, accounts, demo_study, open_app, clock
):
    bank = load_valid_bank(DEMO)
    _record(app_engine, get_study(app_engine, demo_study).bank.id, bank, clock)
    at = sign_in(open_app(), "rui")
    at.switch_page(page("results")).run()
    assert not at.exception
    columns = [set(df.value.columns) for df in at.dataframe]
    assert {"condition", "baseline acc", "95% CI", "p Holm", "McNemar p"} in [
        c & {"condition", "baseline acc", "95% CI", "p Holm", "McNemar p"} for c in columns
    ]
    assert any({"epochs", "n effective", "MDE vs chance", "MDE paired"} <= c for c in columns)
    box = at.selectbox(key="ablation-baseline")
    assert box.value == "zero" and list(box.options) == ["cot", "short", "terse", "zero"]
    assert any("p/m" in shown(m.value) and "vs zero" in m.value for m in at.markdown)
    box.set_value("cot").run()
    assert not at.exception
    assert at.selectbox(key="ablation-baseline").value == "cot"
    headings = [shown(m.value) for m in at.markdown if "conditions vs" in m.value]
    assert headings == ["**p/m** — conditions vs cot"]
    assert any("ρ =" in c.value for c in at.caption)


def test_results_tables_show_blank_cells_and_whole_names(
    app_engine, accounts, demo_study, open_app, clock
):
    """Issue 19 item 12: no cell of a Results table reads "None" (items nobody answered yet,
    a Brier score where no confidence was asked)."""
    bank = load_valid_bank(DEMO)
    _record(app_engine, get_study(app_engine, demo_study).bank.id, bank, clock)
    at = sign_in(open_app(), "rui")
    at.switch_page(page("results")).run()
    assert not at.exception
    for df in at.dataframe:
        frame = df.value
        assert not frame.isna().any().any(), list(frame.columns)
        assert not (frame.astype(str) == "None").any().any(), list(frame.columns)


def test_scatter_and_calibration_legends_keep_whole_labels():
    """Issue 19 item 12: two conditions of one model shared a cut label in the legend."""
    from hhvalues.ui.console import charts

    legend = charts._LEGEND.to_dict()
    assert legend["labelLimit"] == 0 and legend["orient"] == "bottom"
