"""One item on one screen: the walks side by side with one legend, the questions below them in
a row of cards, ``submit`` in view, and a bar pinned on top with the title and the timer.

Only the public item reaches this page (``ItemView`` has no truth); the images, their text
alternatives and the option texts come from :func:`hhvalues.core.render.item_stimulus` in this
participant's A/B order, and the same bytes are hashed into the answer's ``stimulus``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st
from sqlalchemy import Engine

from hhvalues.core.probes import Probe
from hhvalues.core.render import ItemStimulus
from hhvalues.store.participation import ItemView, Step
from hhvalues.ui import state, widgets
from hhvalues.ui.participant import answer

WALK_WIDTH = 312
"""Largest display width of a walk or a predict map, CSS px (a 7×7 map is 312 px wide)."""
LEGEND_WIDTH = 540
MAP_IN_QUESTION = 220
COORDINATES = (
    "The small numbers along the top and left of each map number its columns and rows; the "
    "texts give a cell as (row, column), counted from (0, 0) at the top-left corner."
)


def title(step: Step, view: ItemView) -> str:
    """The page's title, counted in one unit: question sets of the whole session."""
    if step.progress is not None and step.progress.total:
        n, total = min(step.progress.answered + 1, step.progress.total), step.progress.total
        label = f"Question set {n} of {total}"
    else:
        label = f"Question set {view.number} of {view.phase_total}"
    return label + (" (practice)" if view.phase == "train" else "")


def header(step: Step, view: ItemView) -> None:
    """The pinned bar: title and countdown."""
    widgets.countdown(view.deadline_at, step.session_deadline_at, title=title(step, view))


def _demo(view: ItemView, stim: ItemStimulus, d: int) -> None:
    """One walk with its replay slider."""
    n, steps = len(view.item.demos), len(view.item.demos[d].path)
    name = f"Walk {d + 1}" if n > 1 else "The walk"
    key = state.replay_key(view.item.id, d)
    upto = int(st.session_state.get(key, steps))
    png = stim.images[d] if upto == steps else widgets.replay_png(view, d, upto)
    widgets.show_png(png, alt=stim.alts[d], width=WALK_WIDTH)
    if steps:
        st.slider(
            f"{name}: replay it move by move",
            0,
            steps,
            value=steps,
            key=key,
            label_visibility="collapsed",
            format=f"move %d of {steps}",
        )
    shown = f"after move {upto} of {steps}" if upto != steps else f"all {steps} moves"
    st.caption(f"{name}: {shown}")


@st.fragment
def _replays(view: ItemView, stim: ItemStimulus) -> None:
    """The walks side by side (also on a phone); moving a replay slider reruns only these.

    One fragment for all walks, not one per walk: a whole-page run pays for every fragment
    (Streamlit copies the container stack at each), and replays are rare."""
    n = len(view.item.demos)
    if n == 1:
        _demo(view, stim, 0)
        return
    with st.container(key="hhv-walks"):
        for d, col in enumerate(st.columns(n, gap="small", wrap=False)):
            with col:
                _demo(view, stim, d)


def _walks(view: ItemView, stim: ItemStimulus) -> None:
    """The walks, then the one legend of every map."""
    st.markdown(
        "**How this person walked**"
        + (
            " — drag the slider under a walk to replay it"
            if any(d.path for d in view.item.demos)
            else ""
        )
    )
    _replays(view, stim)
    widgets.show_legend(stim.legend, alt=stim.alts[-1], width=LEGEND_WIDTH)
    st.caption(COORDINATES)


def _labeller(texts: dict[str, str]) -> Callable[[str], str]:
    """Radio labels: the letter, then the option spelled out as in the stimulus."""
    return lambda letter: f"{letter}: {texts[letter]}"


def _probes(engine: Engine, token: str, view: ItemView, stim: ItemStimulus) -> None:
    """The questions as cards in their order, in two balanced columns when there are more
    than three or more than one with a map (one on a phone). Each card is its probe's
    fragment, so a click reruns that card only.

    The columns are CSS columns of one container (:data:`QUESTIONS`), not ``st.columns``: the
    page keeps the cards in question order, down the first column and on into the second, so
    a phone (one column) and a screen reader read 1, 2, 3, 4; cards placed into st.columns
    read 1, 3, 2 there."""
    probes = view.item.probes
    maps = sum(p.kind.shows_paths for p in probes)
    st.markdown("**Questions** — choose A or B for each.")
    two = len(probes) > 3 or maps > 1
    first_map = len(view.item.demos)  # the stimulus keeps the bank's order of probes
    image = [first_map + sum(p.kind.shows_paths for p in probes[:k]) for k in range(len(probes))]
    with st.container(key=QUESTIONS_TWO if two else QUESTIONS):
        for n, k in enumerate(display_order(probes), start=1):
            shown = image[k] if probes[k].kind.shows_paths else None
            _question(engine, token, view, stim, k, shown, n)


def display_order(probes: Sequence[Probe]) -> list[int]:
    """The order the page numbers and shows an item's questions in (indices into ``probes``):
    questions with a map take turns with those without, so two maps do not fall into one of
    the two balanced columns (the fullest item's needed a scroll); otherwise the bank's order.
    The training feedback numbers them the same way."""
    maps = [k for k, p in enumerate(probes) if p.kind.shows_paths]
    rest = [k for k, p in enumerate(probes) if not p.kind.shows_paths]
    out: list[int] = []
    while maps or rest:
        out += [q.pop(0) for q in (maps, rest) if q]
    return out


QUESTIONS = "hhv-questions"
"""Container of an item's question cards, in one column."""
QUESTIONS_TWO = "hhv-questions-2"
"""Container of an item's question cards, in two CSS columns (one on a phone)."""


@st.fragment
def _question(
    engine: Engine,
    token: str,
    view: ItemView,
    stim: ItemStimulus,
    k: int,
    image: int | None,
    number: int,
) -> None:
    """Question card ``k``: a ``predict`` probe's map, then the question as the label of its
    A/B choice (and confidence); a change saves the draft (its on_change).

    The card is the fragment's own container (drawn as a card by :data:`widgets.STYLE`) and
    the question is the radio group's label, not an element of its own: each element and each
    level of nesting costs every run (a keyed container around the card made a whole-page run
    a quarter dearer than the old page's), and a screen reader names the group by its question.
    """
    _leave_on_notice()
    probe, args = view.item.probes[k], (engine, token, view)
    if image is not None:
        widgets.show_png(stim.images[image], alt=stim.alts[image], width=MAP_IN_QUESTION)
    st.radio(
        f"{number}\\. {widgets.question(view, probe)}",  # not a Markdown list
        ["A", "B"],
        index=None,
        key=state.probe_key(probe.id, view.item.id),
        format_func=_labeller({"A": stim.texts[2 * k], "B": stim.texts[2 * k + 1]}),
        on_change=answer.save,
        args=args,
    )
    if view.asks_confidence:
        st.slider(
            "How sure are you?",
            50,
            100,
            step=5,
            format="%d%%",
            key=state.confidence_key(probe.id, view.item.id),
            on_change=answer.save,
            args=args,
        )


@st.fragment
def _other_answers(engine: Engine, token: str, view: ItemView) -> None:
    """Hypothesis sliders and rationale; a change saves the draft and reruns only these."""
    _leave_on_notice()
    answer.widgets(engine, token, view)


def _leave_on_notice() -> None:
    """A draft could not be saved (e.g. time ran out): show the whole page anew, with the notice."""
    if state.has_notice():
        st.rerun(scope="app")


def render(engine: Engine, token: str, step: Step) -> None:
    """The item page of ``step.item``: walks and legend on the left, the questions or the
    sliders on the right (one below the other on a phone), then submit."""
    view = step.item
    assert view is not None
    st.set_page_config(layout="wide")
    header(step, view)
    answer.seed(view)
    stim = widgets.stimulus(view)
    n = len(view.item.demos)
    left, right = st.columns([max(n, 2), 3 if n < 3 else 2.4], gap="medium")
    with left:
        _walks(view, stim)
    with right:
        if view.asks_choices:
            _probes(engine, token, view, stim)
        _submit(engine, token, view, stim)


def _submit(engine: Engine, token: str, view: ItemView, stim: ItemStimulus) -> None:
    """The hypothesis sliders and rationale (when asked), then the submit button."""
    if view.asks_hypothesis or view.asks_rationale:
        _other_answers(engine, token, view)
    st.button(
        "Submit answer",
        key=state.scoped(state.SUBMIT, view.item.id),
        type="primary",
        on_click=answer.do_submit,
        args=(engine, token, view, widgets.shown_hash(view, stim)),
    )


__all__ = [
    "COORDINATES",
    "QUESTIONS",
    "QUESTIONS_TWO",
    "WALK_WIDTH",
    "display_order",
    "header",
    "render",
    "title",
]
