"""The participant session: which page now, items shown with server-side deadlines, drafts,
idempotent submits, timeouts, training feedback.

The state is rebuilt from the database on every call; deadlines are
stored when an item is first shown and enforced here (rule 3). A/B sides are shown swapped per
the participant's assignment and mapped back before anything is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import Engine, bindparam, update
from sqlmodel import Session, col, select

from hhvalues.core.answers import Status
from hhvalues.core.bank import Split
from hhvalues.core.explain import hypothesis_scale
from hhvalues.core.probes import Choice
from hhvalues.core.render import item_stimulus, page_stimulus_hash
from hhvalues.errors import InputError, LinkError
from hhvalues.store.db import (
    GRACE,
    AnswerRow,
    BankRow,
    Clock,
    ParticipantRow,
    PresentationRow,
    StudyRow,
    catch_answers,
    deadline_after,
    is_past,
    public_head,
    public_item,
    read_clock,
    read_session,
    training_truth,
    upsert_answer,
    write_session,
)
from hhvalues.store.participation.prologue import Refusal, begin_step, entry_page
from hhvalues.store.participation.views import (
    Draft,
    ItemView,
    Progress,
    Step,
    StepKind,
    Submitted,
    TimeUp,
    TrainingFeedback,
)
from hhvalues.store.studies import (
    AssignedItem,
    Assignment,
    Loaded,
    ParticipantState,
    StudyKind,
    check_active,
    check_token,
    hash_token,
    load,
    load_active,
    log,
    respondent_of,
)

RESUME_GAP = timedelta(seconds=60)
S = ParticipantState
_Rows = tuple[dict[str, "AnswerState"], dict[str, PresentationRow]]
"""A participant's answers and presentations by item id, as read once for one request."""


# --- reading the state -------------------------------------------------------------------------


class AnswerState(Protocol):
    """What the session logic reads of a stored answer (an ``AnswerRow`` or a row of its columns)."""

    item_id: str
    draft: bool
    status: str
    started_at: datetime | None
    choices: dict[str, Any]
    hypothesis: dict[str, Any] | None
    confidence: dict[str, Any] | None
    rationale: str


def _answers(session: Session, loaded: Loaded) -> dict[str, AnswerState]:
    # Core rows, read afresh on every call: answers are written by upsert statements the ORM
    # does not see (ORM objects read twice in one transaction came back stale), and building
    # AnswerRow objects took ~3 ms a call, three calls per submit.
    rows = session.connection().execute(_ANSWERS, {"pid": loaded.participant.id}).all()
    return {r.item_id: r for r in rows}


_ANSWERS = sa.select(
    col(AnswerRow.item_id),
    col(AnswerRow.draft),
    col(AnswerRow.status),
    col(AnswerRow.started_at),
    col(AnswerRow.choices),
    col(AnswerRow.hypothesis),
    col(AnswerRow.confidence),
    col(AnswerRow.rationale),
).where(col(AnswerRow.participant_id) == bindparam("pid"))


def _presentations(session: Session, loaded: Loaded) -> dict[str, PresentationRow]:
    rows = session.exec(
        select(PresentationRow).where(PresentationRow.participant_id == loaded.participant.id)
    ).all()
    return {r.item_id: r for r in rows}


def _progress(loaded: Loaded, answers: Mapping[str, AnswerState]) -> Progress:
    a = loaded.assignment
    done = sum(1 for e in a if e.item in answers and not answers[e.item].draft)
    return Progress(done, len(a), a.training_total)


def next_item(session: Session, loaded: Loaded) -> AssignedItem | None:
    """The first of the participant's items without a final answer (None when all have one)."""
    answers = _answers(session, loaded)
    return next(
        (e for e in loaded.assignment if e.item not in answers or answers[e.item].draft), None
    )


def current_step(engine: Engine, token: object, *, now: Clock, grace: timedelta = GRACE) -> Step:
    """The page this link shows now, rebuilt from the database.

    Side effects, all idempotent: items more than ``grace`` past their deadline are recorded
    as ``timeout`` (with what was selected; the participant page passes no grace, since its
    browser takes no input after 0); the next item is marked shown (its deadline fixed) on
    first display;
    ``last_seen`` is updated. A bad link returns an INVALID or CLOSED step and writes nothing.
    When the item finished last ended because its time ran out, the step's ``time_up`` says
    which (:class:`~hhvalues.store.participation.views.TimeUp`).
    """
    with begin_step(engine, token, now=now, kind=StudyKind.ANSWER) as opened:
        if isinstance(opened, Refusal):
            common = {} if opened.loaded is None else _common(opened.loaded)
            return Step(opened.kind, message=opened.message, **common)
        session, at, loaded = opened
        p = loaded.participant
        common = _common(loaded)
        rows: _Rows | None = None
        if p.state not in (S.FINISHED, S.TIMED_OUT):
            if p.state == S.IN_PROGRESS:
                read = _answers(session, loaded), _presentations(session, loaded)
                if not expire(session, loaded, at, rows=read, grace=grace):
                    rows = read  # nothing expired: _step uses the same rows
            if p.last_seen_at is not None and at - p.last_seen_at > RESUME_GAP:
                log(
                    session,
                    loaded,
                    "resume",
                    at,
                    away_seconds=round((at - p.last_seen_at).total_seconds()),
                )
            p.last_seen_at = at
        return _step(session, loaded, at, common, rows=rows)


def _common(loaded: Loaded) -> dict[str, Any]:
    slug = loaded.study.slug
    return {
        "study": slug,
        "respondent": respondent_of(slug, loaded.participant.id or 0),
        "contact": loaded.config.contact,
    }


def _step(
    session: Session,
    loaded: Loaded,
    at: datetime,
    common: dict[str, Any],
    *,
    rows: _Rows | None = None,
) -> Step:
    p, cfg = loaded.participant, loaded.config
    entry = entry_page(loaded)
    if entry is StepKind.CONSENT:
        return Step(
            entry,
            consent_text=cfg.consent_text,
            decline_code=cfg.decline_code,
            decline_url=cfg.decline_url,
            **common,
        )
    if entry is StepKind.INTAKE:
        return Step(entry, intake=cfg.intake, **common)
    if entry is not None:
        return Step(entry, bank=public_head(session, loaded.study.bank_id), **common)
    answers = rows[0] if rows else _answers(session, loaded)
    progress = _progress(loaded, answers)
    common |= {
        "progress": progress,
        "session_deadline_at": p.session_deadline_at,
        "catch_flag": p.catch_flag,
        "time_up": _time_up(loaded, answers),
    }
    if p.state == S.IN_PROGRESS:
        shown = rows[1] if rows else _presentations(session, loaded)
        for assigned in loaded.assignment:
            item_id = assigned.item
            if (
                assigned.training
                and item_id in answers
                and not answers[item_id].draft
                and shown[item_id].feedback_seen_at is None
            ):
                view = _show(session, loaded, assigned, shown[item_id], answers[item_id], at)
                return Step(StepKind.FEEDBACK, feedback_item=item_id, item=view, **common)
            if item_id not in answers or answers[item_id].draft:
                view = _show(
                    session, loaded, assigned, shown.get(item_id), answers.get(item_id), at
                )
                return Step(StepKind.ITEM, item=view, **common)
        p.state, p.finished_at = S.FINISHED.value, at
        log(session, loaded, "finish", at)
    return Step(
        StepKind.DONE,
        completion_code=cfg.completion_code,
        redirect_url=cfg.redirect_url,
        timed_out=p.state == S.TIMED_OUT,
        **common,
    )


def _time_up(loaded: Loaded, answers: Mapping[str, AnswerState]) -> TimeUp | None:
    """The last item finished before the participant's current one (or of all, at the end),
    among those shown, when it ended because its time ran out."""
    last: tuple[AssignedItem, AnswerState] | None = None
    for entry in loaded.assignment:
        answer = answers.get(entry.item)
        if answer is None or answer.draft:
            break  # the current item: the ones before it are final (they time out in order)
        if answer.started_at is not None:  # an item never shown is not one the page was on
            last = entry, answer
    if last is None or last[1].status != Status.TIMEOUT.value:
        return None
    entry, answer = last
    position, _ = loaded.assignment.find(entry.item)
    return TimeUp(
        entry.item,
        "train" if entry.training else "test",
        position + 1,
        sum(1 for c in (answer.choices or {}).values() if c is not None),
        answer.hypothesis is not None,
    )


def _show(
    session: Session,
    loaded: Loaded,
    assigned: AssignedItem,
    shown: PresentationRow | None,
    draft: AnswerState | None,
    at: datetime,
) -> ItemView:
    p, cfg = loaded.participant, loaded.config
    position, _ = loaded.assignment.find(assigned.item)
    if shown is None:
        deadline = None
        if not assigned.training:
            deadline = deadline_after(at, seconds=cfg.item_seconds, cap=p.session_deadline_at)
        shown = PresentationRow(
            participant_id=p.id or 0,
            bank_id=loaded.study.bank_id,
            item_id=assigned.item,
            position=position,
            shown_at=at,
            deadline_at=deadline,
        )
        session.add(shown)
        log(session, loaded, "item_start", at, item=assigned.item)
        session.flush()
    bank = public_item(session, loaded.study.bank_id, assigned.item, digest=loaded.bank_hash)
    item = bank.items[0]
    order = {pr.id: _sides(assigned, pr.id) for pr in item.probes}
    number, phase_total = loaded.assignment.phase(assigned)
    return ItemView(
        item=item,
        bank=bank,
        split=assigned.split,
        phase="train" if assigned.training else "test",
        number=number,
        phase_total=phase_total,
        order=order,
        shown_at=shown.shown_at,
        deadline_at=shown.deadline_at,
        draft=_draft_view(draft, assigned),
        asks_choices=cfg.asks_choices,
        asks_hypothesis=cfg.asks_hypothesis,
        asks_confidence=cfg.ask_confidence,
        asks_rationale=cfg.ask_rationale,
    )


def _sides(assigned: AssignedItem, probe_id: str) -> tuple[Choice, Choice]:
    """The bank's options shown as (A, B) for one probe: swapped when it is flipped."""
    return ("B", "A") if probe_id in assigned.flip else ("A", "B")


def _draft_view(row: AnswerState | None, assigned: AssignedItem) -> Draft:
    if row is None:
        return Draft()
    return Draft(
        {k: assigned.swap(k, v) for k, v in row.choices.items()},
        row.hypothesis,
        row.confidence,
        row.rationale,
    )


# --- writing answers ---------------------------------------------------------------------------


def _clean(
    session: Session,
    bank_id: int,
    bank_hash: str | None,
    assigned: AssignedItem,
    *,
    choices: Any,
    hypothesis: Any,
    confidence: Any,
    rationale: Any,
) -> dict[str, Any]:
    """Validate a participant's input and map displayed letters back to the bank's."""
    bank = public_item(session, bank_id, assigned.item, digest=bank_hash)
    item, features = bank.items[0], bank.features.ids
    probe_ids = {pr.id for pr in item.probes}
    out: dict[str, Any] = {}
    if choices is not None:
        if (
            not isinstance(choices, Mapping)
            or not set(choices) <= probe_ids
            or any(c not in ("A", "B", None) for c in choices.values())
        ):
            raise InputError("choices must map this item's probes to 'A', 'B' or nothing")
        out["choices"] = {k: assigned.swap(k, v) for k, v in choices.items() if v is not None}
    if hypothesis is not None:
        scale = hypothesis_scale(bank.features, bank.model)
        if (
            not isinstance(hypothesis, Mapping)
            or not set(hypothesis) <= set(features)
            or any(
                not isinstance(v, (int, float))
                or isinstance(v, bool)
                or not scale[k][0] <= v <= scale[k][1]
                for k, v in hypothesis.items()
            )
        ):
            ranges = ", ".join(f"{k} {lo}..{hi}" for k, (lo, hi) in scale.items())
            raise InputError(
                f"hypothesis must map this bank's features to numbers in their ranges ({ranges})"
            )
        out["hypothesis"] = {k: float(v) for k, v in hypothesis.items()}
    if confidence is not None:
        if (
            not isinstance(confidence, Mapping)
            or not set(confidence) <= probe_ids
            or any(
                not isinstance(v, (int, float)) or isinstance(v, bool) or not 0.5 <= v <= 1
                for v in confidence.values()
            )
        ):
            raise InputError("confidence must map this item's probes to numbers in 0.5..1")
        out["confidence"] = {k: float(v) for k, v in confidence.items()}
    if rationale is not None:
        if not isinstance(rationale, str) or len(rationale) > 5000:
            raise InputError("the rationale must be text of at most 5000 characters")
        out["rationale"] = rationale
    return out


def _open_item(
    session: Session, token: object, item_id: object
) -> tuple[Loaded, AssignedItem, PresentationRow, AnswerRow | None]:
    loaded = load_active(session, token)
    _, assigned = loaded.assignment.find(item_id)
    pid = loaded.participant.id
    params = {"pid": pid, "item": assigned.item}
    shown = session.exec(_SHOWN_ITEM, params=params).first()
    if shown is None:
        raise LinkError("this item has not been shown to this participant yet")
    existing = session.exec(_ITEM_ANSWER, params=params).first()
    return loaded, assigned, shown, existing


_SHOWN_ITEM = select(PresentationRow).where(
    PresentationRow.participant_id == bindparam("pid"), PresentationRow.item_id == bindparam("item")
)
_ITEM_ANSWER = select(AnswerRow).where(
    AnswerRow.participant_id == bindparam("pid"), AnswerRow.item_id == bindparam("item")
)


def _base(loaded: Loaded, shown: PresentationRow, at: datetime) -> dict[str, Any]:
    p, study = loaded.participant, loaded.study
    return _key_values(
        study.slug,
        study.id or 0,
        study.bank_id,
        p.id or 0,
        p.config_version,
        shown.item_id,
        shown.shown_at,
        at,
    )


def _key_values(
    slug: str,
    study_id: int,
    bank_id: int,
    participant_id: int,
    config_version: int,
    item_id: str,
    shown_at: datetime | None,
    at: datetime,
) -> dict[str, Any]:
    """The columns of a participant's answer row that are not the answer itself."""
    return {
        "respondent": respondent_of(slug, participant_id),
        "respondent_kind": "human",
        "bank_id": bank_id,
        "study_id": study_id,
        "study_key": study_id,
        "participant_id": participant_id,
        "item_id": item_id,
        "epoch": 0,
        "started_at": shown_at,
        "config_version": config_version,
        "updated_at": at,
    }


def save_draft(
    engine: Engine,
    token: object,
    item_id: object,
    *,
    choices: Any = None,
    hypothesis: Any = None,
    confidence: Any = None,
    rationale: Any = None,
    now: Clock,
) -> bool:
    """Upsert what is selected so far (fields left None are kept); False once the item is final
    or its time is up (more than :data:`~hhvalues.store.db.GRACE` past the item's or the
    session's deadline: a timeout is graded on what was selected by then, nothing later).

    Call it from each widget's ``on_change``, so a timeout, a refresh or a crash keeps it.
    The most frequent write of a session, so it reads its participant, study, presentation
    and draft in one Core statement (no ORM objects) and checks what :func:`_open_item` does.
    """
    at = read_clock(now)
    token_hash = hash_token(check_token(token))
    with write_session(engine) as session:
        conn = session.connection()
        row = conn.execute(_DRAFT_READ, {"token_hash": token_hash, "item": str(item_id)}).first()
        if row is None:
            raise LinkError("this link is not valid: no participant has this token")
        check_active(row.state, row.status, row.slug)
        _, assigned = Assignment.parse(row.assignment).find(item_id)
        if row.shown_at is None:
            raise LinkError("this item has not been shown to this participant yet")
        if row.answer_id is not None and not row.draft:
            return False
        if is_past(at, row.deadline_at, row.session_deadline_at):
            return False  # the timeout is recorded with the draft as it stands, by expire()
        new = _clean(
            session,
            row.bank_id,
            row.content_hash,
            assigned,
            choices=choices,
            hypothesis=hypothesis,
            confidence=confidence,
            rationale=rationale,
        )
        old = _draft_values(row if row.answer_id is not None else None)
        values = (
            _key_values(
                row.slug,
                row.study_id,
                row.bank_id,
                row.participant_id,
                row.config_version,
                assigned.item,
                row.shown_at,
                at,
            )
            | old
            | new
            | {"draft": True, "status": Status.OK.value}
        )
        conn.execute(_SEEN, {"pid": row.participant_id, "at": at})
        return upsert_answer(session, values, over_drafts_only=True)


def _draft_read() -> Any:
    """What save_draft needs of a token and an item, in one statement (built once, below)."""
    p, st, pr, a = (ParticipantRow, StudyRow, PresentationRow, AnswerRow)
    item: Any = bindparam("item")
    return (
        sa.select(
            col(p.id).label("participant_id"),
            col(p.state),
            col(p.assignment),
            col(p.config_version),
            col(p.session_deadline_at),
            col(st.id).label("study_id"),
            col(st.slug),
            col(st.status),
            col(st.bank_id),
            col(BankRow.content_hash),
            col(pr.shown_at),
            col(pr.deadline_at),
            col(a.id).label("answer_id"),
            col(a.draft),
            col(a.choices),
            col(a.hypothesis),
            col(a.confidence),
            col(a.rationale),
        )
        .join(st, col(st.id) == p.study_id)
        .join(BankRow, col(BankRow.id) == st.bank_id)
        .outerjoin(pr, (col(pr.participant_id) == p.id) & (col(pr.item_id) == item))
        .outerjoin(a, (col(a.participant_id) == p.id) & (col(a.item_id) == item))
        .where(col(p.token_hash) == bindparam("token_hash"))
        .with_for_update(of=p)
    )


_DRAFT_READ = _draft_read()
_SEEN = (
    update(ParticipantRow)
    .where(col(ParticipantRow.id) == bindparam("pid"))
    .values(last_seen_at=bindparam("at"))
)


def submit(
    engine: Engine,
    token: object,
    item_id: object,
    *,
    choices: Any = None,
    hypothesis: Any = None,
    confidence: Any = None,
    rationale: Any = None,
    stimulus: str | None = None,
    now: Clock,
) -> Submitted:
    """Store the final answer of a shown item, exactly once, in one transaction.

    A second submit (double click, second tab) stores nothing and reports ``duplicate``. After
    the deadline (plus :data:`~hhvalues.store.db.GRACE`) the answer is stored as ``timeout``
    with what was selected by then, the saved draft (:func:`save_draft` keeps nothing later),
    exactly as :func:`expire` stores it when no submit comes: the values sent with a late submit
    are not stored, so a timeout with nothing selected holds nothing gradable whatever the page
    sends (e.g. sliders at their starting values). ``stimulus`` is the hash of what was shown;
    when omitted it is computed from the canonical rendering of the item in the participant's
    A/B order.
    """
    at = read_clock(now)
    with write_session(engine) as session:
        loaded, assigned, shown, existing = _open_item(session, token, item_id)
        if existing is not None and not existing.draft:
            return Submitted(
                existing.item_id, existing.status, True, existing.fast, existing.seconds
            )
        if loaded.participant.state != S.IN_PROGRESS:
            raise LinkError("this session is not in progress")
        new = _clean(
            session,
            loaded.study.bank_id,
            loaded.bank_hash,
            assigned,
            choices=choices,
            hypothesis=hypothesis,
            confidence=confidence,
            rationale=rationale,
        )
        late = is_past(at, shown.deadline_at, loaded.participant.session_deadline_at)
        status = Status.TIMEOUT if late else Status.OK
        seconds = (at - shown.shown_at).total_seconds()
        fast = status is Status.OK and seconds < loaded.config.min_answer_seconds
        values = (
            _base(loaded, shown, at)
            | _draft_values(existing)
            | ({} if late else new)  # late: what was selected in time, the saved draft
            | {
                "draft": False,
                "status": status.value,
                "submitted_at": at,
                "seconds": seconds,
                "fast": fast,
                "stimulus": stimulus or _stimulus(session, loaded, assigned),
            }
        )
        if not upsert_answer(session, values, over_drafts_only=True):
            return Submitted(shown.item_id, status.value, True, fast, seconds)
        _after_final(session, loaded, assigned, values, at)
        log(session, loaded, "timeout" if late else "submit", at, item=shown.item_id)
        loaded.participant.last_seen_at = at
        expire(session, loaded, at)
        return Submitted(shown.item_id, status.value, False, fast, seconds)


def _draft_values(row: AnswerState | None) -> dict[str, Any]:
    if row is None:
        return {"choices": {}, "hypothesis": None, "confidence": None, "rationale": ""}
    return {
        "choices": row.choices,
        "hypothesis": row.hypothesis,
        "confidence": row.confidence,
        "rationale": row.rationale,
    }


def _stimulus(session: Session, loaded: Loaded, assigned: AssignedItem) -> str:
    bank = public_item(session, loaded.study.bank_id, assigned.item, digest=loaded.bank_hash)
    order: dict[str, tuple[str, str]] = {pid: ("B", "A") for pid in assigned.flip}
    asks = loaded.config.asks_choices
    stim = item_stimulus(bank, bank.items[0], order=order, questions=asks)
    return page_stimulus_hash(stim, len(bank.items[0].demos), choices=asks)


def _after_final(
    session: Session,
    loaded: Loaded,
    assigned: AssignedItem,
    values: Mapping[str, Any],
    at: datetime,
    *,
    finish: bool = True,
) -> None:
    """Count a catch failure; finish the participant after the last answer."""
    p, cfg = loaded.participant, loaded.config
    truth = (
        catch_answers(session, loaded.study.bank_id, assigned.item)
        if assigned.split is Split.CATCH
        else None
    )
    if truth is not None and any(values["choices"].get(k) != v for k, v in truth.items()):
        p.catch_failures += 1
        p.catch_flag = (
            "exclude"
            if p.catch_failures >= cfg.catch_exclude
            else "warn"
            if p.catch_failures >= cfg.catch_warn
            else ""
        )
        log(session, loaded, "catch_fail", at, item=assigned.item, failures=p.catch_failures)
    session.flush()
    answers = _answers(session, loaded)
    all_final = all(e.item in answers and not answers[e.item].draft for e in loaded.assignment)
    if finish and all_final and p.state == S.IN_PROGRESS:
        p.state, p.finished_at = S.FINISHED.value, at
        log(session, loaded, "finish", at)


# --- timeouts ----------------------------------------------------------------------------------


def expire(
    session: Session,
    loaded: Loaded,
    at: datetime,
    *,
    rows: _Rows | None = None,
    grace: timedelta = GRACE,
) -> int:
    """Record ``timeout`` answers for items more than ``grace`` past their deadline, each with
    its saved draft:
    what was selected when time ran out, graded as selected (an item with nothing selected
    holds nothing gradable: every question unanswered).

    When the session deadline has passed, every remaining item is recorded as ``timeout``
    (shown or not: the session limit ran out on it) and the participant is ``timed_out``.
    Returns the number of answers written.
    """
    p = loaded.participant
    if p.state != S.IN_PROGRESS:
        return 0
    session_over = is_past(at, p.session_deadline_at, grace=grace)
    answers, shown = rows or (_answers(session, loaded), _presentations(session, loaded))
    written = 0
    for assigned in loaded.assignment:
        item_id = assigned.item
        if item_id in answers and not answers[item_id].draft:
            continue
        pres = shown.get(item_id)
        if not session_over and (pres is None or not is_past(at, pres.deadline_at, grace=grace)):
            continue
        if pres is None and assigned.training:
            continue
        deadline = min(
            d
            for d in (pres.deadline_at if pres else None, p.session_deadline_at, at)
            if d is not None
        )
        base = _key_values(
            loaded.study.slug,
            loaded.study.id or 0,
            loaded.study.bank_id,
            p.id or 0,
            p.config_version,
            item_id,
            pres.shown_at if pres else None,
            at,
        )
        values = (
            base
            | _draft_values(answers.get(item_id))
            | {
                "draft": False,
                "status": Status.TIMEOUT.value,
                "submitted_at": deadline,
                "seconds": (deadline - pres.shown_at).total_seconds() if pres else None,
                "fast": False,
                "stimulus": _stimulus(session, loaded, assigned) if pres else None,
            }
        )
        if upsert_answer(session, values, over_drafts_only=True):
            written += 1
            log(session, loaded, "timeout", at, item=item_id, shown=pres is not None)
            _after_final(session, loaded, assigned, values, at, finish=not session_over)
    if session_over:
        p.state, p.finished_at = S.TIMED_OUT.value, at
        log(session, loaded, "session_timeout", at)
    return written


# --- training feedback -------------------------------------------------------------------------


def training_feedback(engine: Engine, token: object, item_id: object) -> TrainingFeedback:
    """The truth of a training item this participant has submitted, in displayed letters.

    LinkError for any other item or before submission: truth of a test item never leaves.
    """
    with read_session(engine) as session:
        loaded = load(session, token, lock=False)
        _, assigned = loaded.assignment.find(item_id)
        answer = _answers(session, loaded).get(assigned.item)
        if not assigned.training or answer is None or answer.draft:
            raise LinkError("feedback is given only on a submitted training item")
        truth = training_truth(session, loaded.study.bank_id, assigned.item)
        return TrainingFeedback(
            assigned.item,
            dict(truth.weights),
            {k: assigned.swap(k, v) for k, v in truth.answers.items()},
            {k: assigned.swap(k, answer.choices.get(k)) for k in truth.answers},
            answer.hypothesis,
        )


def acknowledge_feedback(engine: Engine, token: object, item_id: object, *, now: Clock) -> None:
    """The participant has read the feedback on a training item; the session moves on."""
    at = read_clock(now)
    with write_session(engine) as session:
        loaded = load_active(session, token)
        _, assigned = loaded.assignment.find(item_id)
        shown = _presentations(session, loaded).get(assigned.item)
        answer = _answers(session, loaded).get(assigned.item)
        if not assigned.training or shown is None or answer is None or answer.draft:
            raise LinkError("feedback is given only on a submitted training item")
        if shown.feedback_seen_at is None:
            shown.feedback_seen_at = at
            log(session, loaded, "feedback", at, item=assigned.item)


__all__ = [
    "acknowledge_feedback",
    "current_step",
    "expire",
    "next_item",
    "save_draft",
    "submit",
    "training_feedback",
]
