"""Browse a bank's items: images, probes, truth answers and the ideal observer (role-gated page)."""

from __future__ import annotations

import streamlit as st

from hhvalues.core.observer import ideal_probabilities
from hhvalues.core.render import describe_probe, item_stimulus
from hhvalues.store.db import get_bank, list_banks, read_session
from hhvalues.ui import backend, widgets
from hhvalues.ui.console import auth
from hhvalues.ui.text import plain


def render() -> None:
    """The Browse page (truth is shown: researchers and admins only)."""
    auth.require()
    st.title("🔎 Browse items")
    eng = backend.engine()
    with read_session(eng) as session:
        banks = list_banks(session)
        if not banks:
            st.info("No bank stored yet.")
            return
        info = st.selectbox(
            "Bank",
            banks,
            key="browse-bank",
            format_func=lambda b: f"{b.name} v{b.version} ({b.content_hash[:12]})",
        )
        bank = get_bank(session, info.id)
    item = st.selectbox(
        "Item", bank.items, key="browse-item", format_func=lambda it: f"{it.id} ({it.split.value})"
    )
    ideal = (
        dict(item.truth.ideal)
        if item.truth and item.truth.ideal
        else ideal_probabilities(bank, item)
    )
    stim = item_stimulus(bank, item)
    # the walks, then the new world of every predict question with its paths A and B (the
    # maps follow the walks in the stimulus, in probe order), then their one legend
    maps = [p for p in item.probes if p.kind.shows_paths]
    captions = [f"demonstration {k + 1}" for k in range(len(item.demos))]
    captions += [f"question {p.id}: the new world with paths A and B" for p in maps]
    for image, alt, caption in zip(stim.images, stim.alts[:-1], captions, strict=True):
        widgets.show_png(image, alt=alt, caption=caption)
    widgets.show_png(stim.legend, alt=stim.alts[-1])
    rows = []
    for p in item.probes:
        a, b = describe_probe(bank.features, p, horizon=bank.model.horizon)
        truth = item.truth.answers.get(p.id) if item.truth else None
        pa = ideal.get(p.id)
        rows.append(
            {
                "probe": p.id,
                "type": p.kind.value,
                "A": a,
                "B": b,
                "truth": truth,
                "ideal P(A)": None if pa is None else round(pa, 3),
                "ideal right": None
                if pa is None or truth is None
                else (pa >= 0.5) == (truth == "A"),
            }
        )
    st.dataframe(rows, hide_index=True)
    if item.truth:
        label = {f.id: f.label for f in bank.features}  # as participants read them
        weights = ", ".join(f"{label.get(k, k)} {v:+g}" for k, v in item.truth.weights.items())
        st.markdown(
            f"True weights: {plain(weights)}; rationality β = {plain(f'{item.truth.rationality:g}')}"
        )
        right = [bool(r["ideal right"]) for r in rows if r["ideal right"] is not None]
        if right:
            st.metric("Ideal-observer ceiling on this item", f"{sum(right) / len(right):.0%}")


if __name__ == "__main__":
    render()
