"""Invites: personal participant links (copy all, download CSV) and the open-enrolment link.

Tokens are stored hashed: the links are shown once, right after they are made (kept in this
browser session until it ends so the CSV download still has them).
"""

from __future__ import annotations

import csv
import io

import streamlit as st

from hhvalues.store.participation import EXTERNAL_KEYS
from hhvalues.store.studies import invite
from hhvalues.ui import backend
from hhvalues.ui.console import auth, common

# Session-state key: (study slug, links) of the last batch made in this session (a comment,
# not a docstring: this file runs as a page).
LINKS = "hhv.console.invite_links"


def _csv(links: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["n", "link"])
    w.writerows((n, link) for n, link in enumerate(links, 1))
    return buf.getvalue()


def render() -> None:
    """The Invites page."""
    user = auth.require()
    st.title("✉️ Invites")
    study = common.pick_study()
    if study is None:
        return
    base = st.text_input("Site address for the links", common.base_url(), key="invite-base")
    base = base.rstrip("/")
    st.subheader("Open enrolment")
    st.caption("Anyone with this link starts a new anonymous session.")
    st.code(f"{base}/?study={study.slug}", language=None)
    st.markdown("**On Prolific** (the study URL to paste; Prolific fills in each person's ids):")
    platform = "&".join(f"{k}={{{{%{k}%}}}}" for k in EXTERNAL_KEYS)
    st.code(f"{base}/?study={study.slug}&{platform}", language=None, wrap_lines=True)
    st.caption(
        "Choose 'I'll use URL parameters' there. The ids are recorded with each participant; "
        "a PROLIFIC_PID resumes its session in the browser it started in (another browser is "
        "refused: send a new link with `hhvalues study relink`)."
    )
    st.subheader("Personal links")
    n = st.number_input("How many", 1, 10_000, 10, key="invite-count")
    if st.button("Create links", key="invite-create", disabled=study.status != "open"):
        tokens = invite(backend.engine(), study.slug, int(n), now=backend.now, actor=common.actor())
        st.session_state[LINKS] = (study.slug, [f"{base}/?t={t}" for t in tokens])
    slug, links = st.session_state.get(LINKS, (None, []))
    if links and slug == study.slug:
        st.success(
            f"{len(links)} link(s); they are not stored and cannot be shown again "
            "after this session. Copy them with the button of the box below."
        )
        st.code("\n".join(links), language=None)
        common.download_link(
            user,
            "Download CSV",
            key="invite-csv",
            file_name=f"{slug}-links.csv",
            media_type="text/csv",
            make=lambda: _csv(links).encode("utf-8"),
        )


if __name__ == "__main__":
    render()
