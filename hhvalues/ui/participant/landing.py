"""The page without a participant link: what this is and how to get a link."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from hhvalues.store.studies import StudyStatus, list_studies
from hhvalues.ui import widgets
from hhvalues.ui.first_start import DEMO_SLUG


def _sets(n: int) -> str:
    return f"{n} question set{'s' if n != 1 else ''}"


def render(engine: Engine) -> None:
    """Explain the app; offer the open-enrolment link of the demo study when it is open."""
    st.title("HH-Values Studio")  # no emoji: a phone without an emoji font shows a box
    st.markdown(
        "Watch short walks through small maps and guess what the walker cares about. "
        "This site runs research studies; taking part needs a **participant link**."
    )
    studies = {s.slug: s for s in list_studies(engine)}
    demo = studies.get(DEMO_SLUG)
    st.subheader("Try it")
    if demo is not None and demo.status == StudyStatus.OPEN.value:
        cfg = demo.config
        st.markdown(
            f"Open the demo study (link: `?study={DEMO_SLUG}`). It has {_sets(cfg.train)} "
            f"with feedback for practice and {_sets((cfg.items or 0) + cfg.catch)} against "
            "the clock; it takes a few minutes."
        )
        widgets.same_tab_link("Start a demo session", f"?study={DEMO_SLUG}", button=True)
        st.caption(
            "Each visit to that link starts a new anonymous participant, unless this browser "
            "has a session of the demo under way: then it goes on with that one."
        )
    else:
        st.markdown("No open demo study here. Ask the researcher for a participant link.")
    st.subheader("For researchers")
    st.markdown("Personal links (one participant each) come from the command line:")
    st.code(
        f"hhvalues study invite --name {DEMO_SLUG} --count 5 --base-url https://your.host",
        language="bash",
    )
    st.markdown("Create your own study from a bank, then invite participants:")
    st.code(
        "hhvalues study create --bank data/banks/demo.json --name mystudy --items 10 --train 2\n"
        "hhvalues study invite --name mystudy --count 20 --base-url https://your.host",
        language="bash",
    )
    st.caption(
        "Add --base-url with this site's address so the links point here. Answers export "
        "with: hhvalues export --study NAME --format csv --out answers.csv"
    )


__all__ = ["render"]
