"""Banks: upload a bank file (validated by the core, nothing stored on failure) or generate one."""

from __future__ import annotations

import streamlit as st

from hhvalues.core.bank import Bank
from hhvalues.core.generate import GenerateConfig, generate_bank
from hhvalues.core.validate import loads_valid_bank
from hhvalues.errors import HHValuesError
from hhvalues.store.db import list_banks, read_session, store_bank
from hhvalues.ui import backend
from hhvalues.ui.console import auth, common


def _store(bank: Bank, how: str) -> None:
    info = store_bank(backend.engine(), bank, now=backend.now, actor=common.actor(),
                      action=f"bank_{how}")
    st.success(f"Stored bank {info.name} v{info.version} ({info.content_hash[:12]}): "
               + ", ".join(f"{n} {k}" for k, n in info.items.items()))


def _upload() -> None:
    up = st.file_uploader("Bank file (hhvalues-bank/1 JSON, with truth)", type=["json"],
                          key="bank-upload")
    if up is not None and st.button("Validate and store", key="bank-upload-submit"):
        try:
            bank = loads_valid_bank(up.getvalue(), source=up.name)
        except HHValuesError as exc:
            st.error(f"Not stored: {exc}")
            return
        _store(bank, "upload")


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
        cfg = GenerateConfig(seed=int(seed), items=int(items), train=int(train), catch=int(catch),
                             features=int(features), size=int(size), name=name.strip())
        bank = generate_bank(cfg, progress=progress)
    except (HHValuesError, ValueError) as exc:
        st.error(f"Not generated: {exc}")
        return
    _store(bank, "generate")


def render() -> None:
    """The Banks page."""
    auth.require()
    st.title("🗂️ Banks")
    up, gen = st.tabs(["Upload", "Generate"])
    with up:
        _upload()
    with gen:
        _generate()
    with read_session(backend.engine()) as session:
        banks = list_banks(session)
    st.subheader("Stored banks")
    st.dataframe([{"name": b.name, "version": b.version, "hash": b.content_hash[:16],
                   **dict(b.items), "imported": b.imported_at} for b in banks], hide_index=True)


if __name__ == "__main__":
    render()
