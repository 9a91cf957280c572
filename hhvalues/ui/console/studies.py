"""Studies: create, edit (frozen once a participant starts: edits then make a new version), open, close."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from hhvalues.errors import HHValuesError
from hhvalues.store.audit import record
from hhvalues.store.config import Mode, StudyConfig, StudyKind, StudyStatus
from hhvalues.store.engine import read_session
from hhvalues.store.queries import list_banks
from hhvalues.store.recordings import INSTRUCTIONS, DemoConfig, demonstrate_config
from hhvalues.store.study import create_study
from hhvalues.store.study_edit import edit_study_config, is_frozen, set_status
from hhvalues.ui import backend
from hhvalues.ui.console import auth, common


def config_fields(cfg: StudyConfig, prefix: str) -> StudyConfig:
    """The configuration form fields (inside a form), returning the edited configuration."""
    c1, c2, c3 = st.columns(3)
    items = c1.number_input("Test items per participant (0 = all)", 0, 1000,
                            cfg.items or 0, key=f"{prefix}-items")
    train = c2.number_input("Training items", 0, 100, cfg.train, key=f"{prefix}-train")
    catch = c3.number_input("Catch items", 0, 100, cfg.catch, key=f"{prefix}-catch")
    item_s = c1.number_input("Seconds per item", 5.0, 3600.0, float(cfg.item_seconds),
                             key=f"{prefix}-item-seconds")
    sess_m = c2.number_input("Session minutes", 1.0, 600.0, float(cfg.session_minutes),
                             key=f"{prefix}-session-minutes")
    seed = c3.number_input("Item order seed", 0, 2**31 - 1, cfg.seed, key=f"{prefix}-seed")
    modes = [m.value for m in Mode]
    mode = c1.selectbox("Response mode", modes, modes.index(cfg.mode.value), key=f"{prefix}-mode")
    min_s = c2.number_input("Fast-answer flag below (s)", 0.0, 600.0,
                            float(cfg.min_answer_seconds), key=f"{prefix}-min-seconds")
    excl = c3.number_input("Exclude at catch failures", 1, 100, cfg.catch_exclude,
                           key=f"{prefix}-catch-exclude")
    conf = c1.checkbox("Ask confidence", cfg.ask_confidence, key=f"{prefix}-confidence")
    rat = c2.checkbox("Ask rationale", cfg.ask_rationale, key=f"{prefix}-rationale")
    consent = st.text_area("Consent text", cfg.consent_text, key=f"{prefix}-consent")
    code = st.text_input("Completion code (empty: generated)", cfg.completion_code,
                         key=f"{prefix}-code")
    redirect = st.text_input("Redirect URL after completion", cfg.redirect_url or "",
                             key=f"{prefix}-redirect")
    return cfg.with_changes(
        items=int(items) or None, train=int(train), catch=int(catch), item_seconds=float(item_s),
        session_minutes=float(sess_m), seed=int(seed), mode=Mode(mode),
        min_answer_seconds=float(min_s), catch_exclude=int(excl),
        catch_warn=min(cfg.catch_warn, int(excl)), ask_confidence=bool(conf),
        ask_rationale=bool(rat), consent_text=consent, completion_code=code.strip(),
        redirect_url=redirect.strip() or None)


def demo_fields(demo: DemoConfig, prefix: str) -> DemoConfig:
    """Demonstration settings (inside a form): instruction, practice, worlds, walk time, rule."""
    c1, c2, c3 = st.columns(3)
    choices = [*INSTRUCTIONS, "balanced"]
    instruction = c1.selectbox("Instruction", choices, choices.index(demo.instruction),
                               key=f"{prefix}-instruction", help="do: collect as many points as "
                               "you can; teach: show an observer what you value; balanced: "
                               "alternate across participants")
    practice = c2.number_input("Practice worlds", 0, 20, demo.practice, key=f"{prefix}-practice")
    worlds = c3.number_input("Recorded worlds", 1, 100, demo.worlds, key=f"{prefix}-worlds")
    walk_s = c1.number_input("Seconds per walk", 5.0, 3600.0, float(demo.walk_seconds),
                             key=f"{prefix}-walk-seconds")
    floor = c2.number_input("Exclude walks scoring below (0 random, 1 optimal)", -5.0, 1.0,
                            float(demo.quality.min_score), key=f"{prefix}-min-score")
    quality = replace(demo.quality, min_score=float(floor))
    return replace(demo, instruction=instruction, practice=int(practice), worlds=int(worlds),
                   walk_seconds=float(walk_s), quality=quality)


def _create() -> None:
    with read_session(backend.engine()) as session:
        banks = list_banks(session)
    if not banks:
        st.info("Upload or generate a bank first (Banks page).")
        return
    with st.form("create-study"):
        slug = st.text_input("Study name (used in links: a-z, 0-9, - and _)", key="new-slug")
        bank = st.selectbox("Bank", banks, key="new-bank",
                            format_func=lambda b: f"{b.name} v{b.version} ({b.content_hash[:12]}) "
                            f"— {b.items['test']} test, {b.items['train']} train, "
                            f"{b.items['catch']} catch")
        kinds = [k.value for k in StudyKind]
        kind = st.selectbox("Kind", kinds, key="new-kind",
                            help="answer: people answer the bank's items; demonstrate: people walk "
                            "the bank's worlds under assigned values and their walks become items "
                            "(Recorded walks page)")
        cfg = config_fields(StudyConfig(), "new")
        with st.expander("Demonstration studies only"):
            demo = demo_fields(DemoConfig(), "new")
        go = st.form_submit_button("Create study", key="create-study-submit")
    if go:
        who = common.actor()
        if kind == StudyKind.DEMONSTRATE.value:
            cfg = demonstrate_config(cfg, demo)
        info = create_study(backend.engine(), slug=slug.strip(), bank_id=bank.id, config=cfg,
                            now=backend.now, kind=StudyKind(kind), actor=who)
        record(backend.engine(), actor=who, action="study_create", target=info.slug,
               now=backend.now, detail={"bank": bank.content_hash, "config_version": 1,
                                        "kind": kind})
        st.session_state[common.STUDY] = info.slug
        st.success(f"Created study {info.slug}; invite participants on the Invites page.")


def _edit() -> None:
    study = common.pick_study()
    if study is None:
        return
    eng = backend.engine()
    frozen = is_frozen(eng, study.slug)
    st.caption(f"Bank {study.bank.name} v{study.bank.version} · configuration version "
               f"{study.config_version} · " + ("frozen: a participant has started, so saving "
                                                 "creates a new version" if frozen else
                                                 "not started yet: saving edits this version"))
    with st.form(f"edit-{study.slug}"):
        cfg = config_fields(study.config, f"edit-{study.slug}")
        save = st.form_submit_button("Save configuration", key="edit-study-submit")
    if save:
        info, new = edit_study_config(eng, study.slug, cfg, now=backend.now, actor=common.actor())
        st.success(f"Saved as {'new ' if new else ''}version {info.config_version}.")
    c1, c2 = st.columns(2)
    if study.status == StudyStatus.OPEN.value:
        if c1.button("Close study", key="close-study"):
            set_status(eng, study.slug, StudyStatus.CLOSED, now=backend.now, actor=common.actor())
            st.rerun()
    elif c1.button("Open study", key="open-study"):
        set_status(eng, study.slug, StudyStatus.OPEN, now=backend.now, actor=common.actor())
        st.rerun()
    c2.write(", ".join(f"{k} {v}" for k, v in study.participants.items() if v) or "no participants")


def render() -> None:
    """The Studies page."""
    auth.require()
    st.title("🧪 Studies")
    try:
        new, edit = st.tabs(["Create", "Edit / open / close"])
        with new:
            _create()
        with edit:
            _edit()
    except HHValuesError as exc:
        st.error(str(exc))


if __name__ == "__main__":
    render()
