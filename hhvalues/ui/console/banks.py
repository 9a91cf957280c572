"""Banks: upload a bank file (validated by the core, nothing stored on failure) or generate one,
download a stored bank's file, and read a stored bank's validity report (the core's
``audit_bank``, as ``bank audit`` prints it)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from hhvalues.core.audit import audit_bank
from hhvalues.core.audit_goals import advice
from hhvalues.core.bank import Bank
from hhvalues.core.generate import GenerateConfig, generate_bank
from hhvalues.core.validate import loads_valid_bank
from hhvalues.errors import HHValuesError
from hhvalues.store.accounts import ConsoleUser
from hhvalues.store.db import (
    BankInfo,
    download_bank,
    get_bank,
    list_banks,
    read_session,
    store_bank,
)
from hhvalues.ui import backend
from hhvalues.ui.console import auth, common
from hhvalues.ui.guard import show_error, shown_errors
from hhvalues.ui.text import plain


def _store(bank: Bank, how: str) -> None:
    info = store_bank(
        backend.engine(), bank, now=backend.now, actor=common.actor(), action=f"bank_{how}"
    )
    st.success(
        f"Stored bank {plain(info.name)} v{plain(info.version)} ({info.content_hash[:12]}): "
        + ", ".join(f"{n} {k}" for k, n in info.items.items())
    )


def _upload() -> None:
    up = st.file_uploader(
        "Bank file (hhvalues-bank JSON, with truth)", type=["json"], key="bank-upload"
    )
    if up is not None and st.button("Validate and store", key="bank-upload-submit"):
        with shown_errors("Not stored"):  # a malformed file, or a public copy without truth
            _store(loads_valid_bank(up.getvalue(), source=up.name), "upload")


def _generate() -> None:
    with st.form("generate"):
        c1, c2, c3 = st.columns(3)
        seed = c1.number_input("Seed", 0, 2**31 - 1, 1, key="gen-seed")
        items = c2.number_input("Test items", 1, 500, 20, key="gen-items")
        train = c3.number_input("Training items", 0, 100, 2, key="gen-train")
        catch = c1.number_input("Catch items", 0, 100, 2, key="gen-catch")
        features = c2.number_input("Features", 2, 8, 4, key="gen-features")
        size = c3.number_input("World size", 5, 12, 7, key="gen-size")
        name = st.text_input("Name (default generated-SEED)", key="gen-name")
        go = st.form_submit_button("Generate", key="gen-submit")
    if not go:
        return
    bar = st.progress(0.0, text="generating…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=f"item {done} of {total}")

    try:
        cfg = GenerateConfig(
            seed=int(seed),
            items=int(items),
            train=int(train),
            catch=int(catch),
            features=int(features),
            size=int(size),
            name=name.strip(),
        )
        bank = generate_bank(cfg, progress=progress)
    except (HHValuesError, ValueError) as exc:
        st.error(f"Not generated: {plain(exc)}")
        return
    with shown_errors("Not stored"):
        _store(bank, "generate")


@st.cache_data(show_spinner=False, max_entries=16)
def _audit(content_hash: str, bank_id: int) -> dict[str, Any]:
    """The validity report of a stored bank (``bank audit``'s), once per bank content."""
    with read_session(backend.engine()) as session:
        bank = get_bank(session, bank_id)
    return audit_bank(bank).to_json()


def _show_audit(report: dict[str, Any]) -> None:
    walks = report["walks"]
    assert isinstance(walks, dict)
    st.caption(
        f"{report['n_items']} test items ({report['format']}); {walks['n_walks']} walks, "
        f"{walks['info_bits']:.2f} bits of information per walk, "
        f"{walks['not_shortest_to_nearest']:.0%} not a shortest path to the nearest place; "
        "difficulty thirds " + ", ".join(f"{k} {v:.0%}" for k, v in dict(report["thirds"]).items())
    )
    rows = []
    for g in report["groups"]:
        best = g["heuristics"][g["best_heuristic"]]["value"]
        rows.append(
            {
                "kind": g["kind"],
                "third": g["third"],
                "probes": g["n_probes"],
                "ideal expected": g["expected"]["value"],
                "ideal realised": g["realised"]["value"],
                "SE": g["realised"]["se"],
                "calibration z": g["calibration_z"],
                "best heuristic": g["best_heuristic"],
                "its accuracy": best,
                "A share": g["share_a"],
                "right path longer": g["longer_right"],
                **{f"h: {n}": h["value"] for n, h in g["heuristics"].items()},
            }
        )
    pct = {
        k: st.column_config.NumberColumn(format="percent")
        for k in (
            "ideal expected",
            "ideal realised",
            "SE",
            "its accuracy",
            "A share",
            "right path longer",
        )
    }
    st.dataframe(rows, hide_index=True, column_config=pct)
    red = report.get("redundancy")
    if isinstance(red, dict):
        st.caption(
            f"Probes of one item: {red['share_redundant']:.1%} of {red['n_pairs']} pairs nearly "
            f"one question; {red['probes_per_item']:.2f} probes per item, "
            f"{red['effective_per_item']:.2f} independent (design effect "
            f"{red['design_effect']:.2f}). Probes answered by the prior alone: "
            f"{report['groups'][0]['prior_sure']}."
        )
    st.markdown(
        "\n".join(
            f"- ✅ {goal}"
            if ok
            else f"- ❌ {goal}  \n  *What it means, what to change:* {advice(goal)}"
            for goal, ok in dict(report["goals"]).items()
        )
    )


def _audit_section(banks: list[BankInfo]) -> None:
    st.subheader("Validity report")
    st.caption(
        "The ideal observer's calibration, the shallow heuristics and the balance of a "
        "bank's test items, per probe kind and difficulty third (the same report as "
        "`hhvalues bank audit`)."
    )
    if not banks:
        st.info("No bank stored yet.")
        return
    pick = st.selectbox(
        "Bank",
        banks,
        key="audit-bank",
        format_func=lambda b: f"{b.name} v{b.version} ({b.content_hash[:12]})",  # plain text
    )
    if pick is None or not st.button("Audit this bank", key="audit-run"):
        return
    with st.spinner("Auditing…"):
        try:
            report = _audit(pick.content_hash, pick.id)
        except HHValuesError as exc:
            show_error(exc, doing="No report")
            return
    _show_audit(report)


def _downloads(banks: list[BankInfo], user: ConsoleUser) -> None:
    """The file of a stored bank (with truth: the one a study or ``hhvalues eval`` needs)."""
    if not banks:
        return
    pick = st.selectbox(
        "Download a bank file",
        banks,
        key="download-bank",
        format_func=lambda b: f"{b.name} v{b.version} ({b.content_hash[:12]})",
    )
    if pick is None:
        return
    eng, who, bank_id = backend.engine(), common.actor(), pick.id
    common.download_link(
        user,
        "Download bank JSON (with truth)",
        key=f"bank-json-{pick.content_hash[:16]}",
        file_name=f"{pick.name}-v{pick.version}.json",
        media_type="application/json",
        make=lambda: download_bank(eng, bank_id, actor=who, now=backend.now),
    )
    st.caption(
        "The same bytes `hhvalues bank generate` writes; for `hhvalues eval --bank` or "
        "`hhvalues bank publish` (a copy without truth for the public). Logged in the audit log."
    )


def render() -> None:
    """The Banks page."""
    user = auth.require()
    st.title("🗂️ Banks")
    up, gen = st.tabs(["Upload", "Generate"])
    with up:
        _upload()
    with gen:
        _generate()
    with read_session(backend.engine()) as session:
        banks = list_banks(session)
    st.subheader("Stored banks")
    st.dataframe(
        [
            {
                "name": b.name,
                "version": b.version,
                "hash": b.content_hash[:16],
                **dict(b.items),
                "imported": b.imported_at,
            }
            for b in banks
        ],
        hide_index=True,
    )
    _downloads(banks, user)
    _audit_section(banks)


if __name__ == "__main__":
    render()
