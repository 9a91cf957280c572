"""Studies: create, edit (frozen once a participant starts: edits then make a new version), open, close."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import streamlit as st

from hhvalues.store.db import list_banks, read_session
from hhvalues.store.demonstration import (
    DEMO_LIMITS,
    INSTRUCTIONS,
    DemoConfig,
    demonstrate_config,
)
from hhvalues.store.studies import (
    INTAKE_FORMAT,
    STUDY_LIMITS,
    Limit,
    Mode,
    StudyConfig,
    StudyKind,
    StudyStatus,
    create_study,
    edit_study_config,
    format_intake,
    is_frozen,
    parse_intake,
    set_study_status,
)
from hhvalues.ui import backend
from hhvalues.ui.console import auth, common
from hhvalues.ui.guard import shown_errors
from hhvalues.ui.text import plain


def _number(
    where: Any, label: str, limits: Mapping[str, Limit], name: str, value: float, key: str
) -> Any:
    """A number input bounded by the field's limits; a stored value outside them (from before
    the limits) is shown at the nearest bound, so the form never refuses to draw."""
    limit = limits[name]
    kind = int if limit.integer else float
    low, high = kind(limit.low), kind(limit.high)
    return where.number_input(label, low, high, kind(min(max(value, low), high)), key=key)


def config_fields(cfg: StudyConfig, prefix: str) -> tuple[StudyConfig, str]:
    """The configuration form fields (inside a form): the edited configuration, and the intake
    questions as typed (read with :func:`intake_of` when the form is submitted)."""
    c1, c2, c3 = st.columns(3)
    lim = STUDY_LIMITS
    items = _number(
        c1, "Test items per participant (0 = all)", lim, "items", cfg.items or 0, f"{prefix}-items"
    )
    train = _number(c2, "Training items", lim, "train", cfg.train, f"{prefix}-train")
    catch = _number(c3, "Catch items", lim, "catch", cfg.catch, f"{prefix}-catch")
    item_s = _number(
        c1, "Seconds per item", lim, "item_seconds", cfg.item_seconds, f"{prefix}-item-seconds"
    )
    sess_m = _number(
        c2,
        "Session minutes",
        lim,
        "session_minutes",
        cfg.session_minutes,
        f"{prefix}-session-minutes",
    )
    seed = _number(c3, "Item order seed", lim, "seed", cfg.seed, f"{prefix}-seed")
    modes = [m.value for m in Mode]
    mode = c1.selectbox("Response mode", modes, modes.index(cfg.mode.value), key=f"{prefix}-mode")
    min_s = _number(
        c2,
        "Fast-answer flag below (s)",
        lim,
        "min_answer_seconds",
        cfg.min_answer_seconds,
        f"{prefix}-min-seconds",
    )
    excl = _number(
        c3,
        "Exclude at catch failures",
        lim,
        "catch_exclude",
        cfg.catch_exclude,
        f"{prefix}-catch-exclude",
    )
    conf = c1.checkbox("Ask confidence", cfg.ask_confidence, key=f"{prefix}-confidence")
    rat = c2.checkbox("Ask rationale", cfg.ask_rationale, key=f"{prefix}-rationale")
    consent = st.text_area("Consent text", cfg.consent_text, key=f"{prefix}-consent")
    code = st.text_input(
        "Completion code (empty: generated)", cfg.completion_code, key=f"{prefix}-code"
    )
    redirect = st.text_input(
        "Redirect URL after completion (http:// or https://)",
        cfg.redirect_url or "",
        key=f"{prefix}-redirect",
    )
    d1, d2 = st.columns(2)
    decline_code = d1.text_input(
        "Code for a participant who declines (optional)",
        cfg.decline_code,
        key=f"{prefix}-decline-code",
    )
    decline_url = d2.text_input(
        "Where a participant who declines goes (optional URL)",
        cfg.decline_url or "",
        key=f"{prefix}-decline-url",
    )
    contact = st.text_input(
        "Contact for participants (e.g. an e-mail address)",
        cfg.contact,
        key=f"{prefix}-contact",
        help="Shown wherever a participant is told to contact the researcher.",
    )
    intake = st.text_area(
        "Intake questions, asked after consent (one a line; empty: none)",
        format_intake(cfg.intake),
        key=f"{prefix}-intake",
        placeholder="degree | Your highest degree | none; BSc; MSc; PhD\n"
        "field | Your field of study\nnote | Anything we should know? | | optional",
        help=f"Each line: {INTAKE_FORMAT}. Without options the answer is free text; "
        "'optional' lets it be left blank.",
    )
    return cfg.with_changes(
        items=int(items) or None,
        train=int(train),
        catch=int(catch),
        item_seconds=float(item_s),
        session_minutes=float(sess_m),
        seed=int(seed),
        mode=Mode(mode),
        min_answer_seconds=float(min_s),
        catch_exclude=int(excl),
        catch_warn=min(cfg.catch_warn, int(excl)),
        ask_confidence=bool(conf),
        ask_rationale=bool(rat),
        consent_text=consent,
        completion_code=code.strip(),
        redirect_url=redirect.strip() or None,
        contact=contact.strip(),
        decline_code=decline_code.strip(),
        decline_url=decline_url.strip() or None,
    ), str(intake)


def intake_of(cfg: StudyConfig, text: str) -> StudyConfig:
    """``cfg`` with the intake questions typed in the form (InputError naming a bad line)."""
    return cfg.with_changes(intake=parse_intake(text, where="intake questions"))


def demo_fields(demo: DemoConfig, prefix: str) -> DemoConfig:
    """Demonstration settings (inside a form): instruction, practice, worlds, walk time, rule."""
    c1, c2, c3 = st.columns(3)
    choices = [*INSTRUCTIONS, "balanced"]
    instruction = c1.selectbox(
        "Instruction",
        choices,
        choices.index(demo.instruction),
        key=f"{prefix}-instruction",
        help="do: collect as many points as "
        "you can; teach: show an observer what you value; balanced: "
        "alternate across participants",
    )
    lim = DEMO_LIMITS
    practice = _number(c2, "Practice worlds", lim, "practice", demo.practice, f"{prefix}-practice")
    worlds = _number(c3, "Recorded worlds", lim, "worlds", demo.worlds, f"{prefix}-worlds")
    walk_s = _number(
        c1, "Seconds per walk", lim, "walk_seconds", demo.walk_seconds, f"{prefix}-walk-seconds"
    )
    floor = _number(
        c2,
        "Exclude walks scoring below (0 random, 1 optimal)",
        lim,
        "min_score",
        demo.quality.min_score,
        f"{prefix}-min-score",
    )
    quality = replace(demo.quality, min_score=float(floor))
    return replace(
        demo,
        instruction=instruction,
        practice=int(practice),
        worlds=int(worlds),
        walk_seconds=float(walk_s),
        quality=quality,
    )


def _create() -> None:
    with read_session(backend.engine()) as session:
        banks = list_banks(session)
    if not banks:
        st.info("Upload or generate a bank first (Banks page).")
        return
    with st.form("create-study"):
        slug = st.text_input("Study name (used in links: a-z, 0-9, - and _)", key="new-slug")
        bank = st.selectbox(
            "Bank",
            banks,
            key="new-bank",
            format_func=lambda b: (
                f"{b.name} v{b.version} ({b.content_hash[:12]}) "
                f"— {b.items['test']} test, {b.items['train']} train, "
                f"{b.items['catch']} catch"
            ),
        )
        kinds = [k.value for k in StudyKind]
        kind = st.selectbox(
            "Kind",
            kinds,
            key="new-kind",
            help="answer: people answer the bank's items; demonstrate: people walk "
            "the bank's worlds under assigned values and their walks become items "
            "(Recorded walks page)",
        )
        cfg, intake = config_fields(StudyConfig(), "new")
        with st.expander("Demonstration studies only"):
            demo = demo_fields(DemoConfig(), "new")
        go = st.form_submit_button("Create study", key="create-study-submit")
    if go:
        who = common.actor()
        cfg = intake_of(cfg, intake)
        if kind == StudyKind.DEMONSTRATE.value:
            cfg = demonstrate_config(cfg, demo)
        info = create_study(
            backend.engine(),
            slug=slug.strip(),
            bank_id=bank.id,
            config=cfg,
            now=backend.now,
            kind=StudyKind(kind),
            actor=who,
        )
        st.session_state[common.STUDY] = info.slug
        st.success(f"Created study {info.slug}; invite participants on the Invites page.")


def _edit() -> None:
    study = common.pick_study()
    if study is None:
        return
    eng = backend.engine()
    frozen = is_frozen(eng, study.slug)
    st.caption(
        f"Bank {plain(study.bank.name)} v{plain(study.bank.version)} · configuration version "
        f"{study.config_version} · "
        + (
            "frozen: a participant has started, so saving creates a new version"
            if frozen
            else "not started yet: saving edits this version"
        )
    )
    with st.form(f"edit-{study.slug}"):
        cfg, intake = config_fields(study.config, f"edit-{study.slug}")
        save = st.form_submit_button("Save configuration", key="edit-study-submit")
    if save:
        cfg = intake_of(cfg, intake)
        info, new = edit_study_config(eng, study.slug, cfg, now=backend.now, actor=common.actor())
        st.success(f"Saved as {'new ' if new else ''}version {info.config_version}.")
    c1, c2 = st.columns(2)
    if study.status == StudyStatus.OPEN.value:
        with c1.popover("Close study…", key="close-study"):
            st.warning(
                "Closing ends the study for everyone: nobody can enrol, and participants "
                "still answering cannot submit any more. You can open it again later."
            )
            if st.button("Yes, close the study", key="close-study-confirm", type="primary"):
                set_study_status(
                    eng, study.slug, StudyStatus.CLOSED, now=backend.now, actor=common.actor()
                )
                st.rerun()
    elif c1.button("Open study", key="open-study"):
        set_study_status(eng, study.slug, StudyStatus.OPEN, now=backend.now, actor=common.actor())
        st.rerun()
    c2.write(", ".join(f"{k} {v}" for k, v in study.participants.items() if v) or "no participants")


def render() -> None:
    """The Studies page."""
    auth.require()
    st.title("🧪 Studies")
    new, edit = st.tabs(["Create", "Edit / open / close"])
    with new, shown_errors():
        _create()
    with edit, shown_errors():
        _edit()


if __name__ == "__main__":
    render()
