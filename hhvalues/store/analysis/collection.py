"""What the console reads about a study: its answers for the Results page, and live monitoring.

Human answers are the study's; model answers are every model condition's answers to the study's
bank (the harness stores them outside any study, ``study_key`` 0), so the comparison fills in as
either side comes in. Drafts are never answers. Every reader here first records the study's
timeouts due at its clock, in the transaction it reads in
(:func:`~hhvalues.store.participation.record_due_timeouts`): an item a participant walked away
from counts as the timeout it is, even when nobody has opened the app since.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, or_, select
from sqlmodel import Session, col

from hhvalues.core.agents import reference_answers
from hhvalues.core.answers import Answer, Status, parse_respondent
from hhvalues.core.bank import Bank, Split
from hhvalues.core.scoring import grade
from hhvalues.store.analysis.results import (
    HumanScope,
    ItemLine,
    Results,
    build_results,
    item_table,
)
from hhvalues.store.db import (
    REFERENCE_AT_IMPORT,
    AnswerRow,
    Clock,
    ParticipantRow,
    RehearsalRow,
    StudyRow,
    as_utc,
    get_bank,
    read_clock,
    record_answers,
    scored_items,
    system_clock,
    write_session,
)
from hhvalues.store.participation import record_due_timeouts
from hhvalues.store.studies import (
    ParticipantState,
    StudyConfig,
    parse_config,
    respondent_of,
    study_row,
)


@contextmanager
def _reading(engine: Engine, slug: str, at: datetime) -> Iterator[tuple[Session, StudyRow]]:
    """A transaction to read study ``slug`` in, its due timeouts recorded first (a write
    transaction, then: on SQLite the reads below are short; on PostgreSQL only the
    participants with due timeouts are locked)."""
    with write_session(engine) as session:
        study = study_row(session, slug)
        record_due_timeouts(session, at, study_id=study.id)
        yield session, study


@dataclass(frozen=True, slots=True)
class StudyAnswers:
    """A study's bank, configuration and every final answer that bears on it."""

    slug: str
    bank: Bank
    config: StudyConfig
    answers: tuple[Answer, ...]
    seconds: tuple[float | None, ...]
    """Seconds per answer (participants' item time, or the model call's ``extra.seconds``)."""
    agents: tuple[Answer, ...] | None = None
    """The reference agents' answers stored when the bank was imported (None: not stored)."""
    states: Mapping[str, str] = field(default_factory=dict)
    """Human respondent id → the participant's state (``finished``, ``timed_out`` …)."""
    rehearsals: frozenset[str] = frozenset()
    """Human respondent ids of rehearsal participants (``hhvalues bots``)."""


def load_study_answers(engine: Engine, slug: str, *, now: Clock = system_clock) -> StudyAnswers:
    """The study's human answers and the model answers to its bank (timeouts included, those
    due at ``now`` recorded first)."""
    cols = (
        col(AnswerRow.respondent),
        col(AnswerRow.item_id),
        col(AnswerRow.epoch),
        col(AnswerRow.choices),
        col(AnswerRow.hypothesis),
        col(AnswerRow.confidence),
        col(AnswerRow.status),
        col(AnswerRow.rationale),
        col(AnswerRow.stimulus),
        col(AnswerRow.seconds),
        col(AnswerRow.extra),
        col(AnswerRow.respondent_kind),
    )
    at = read_clock(now)
    with _reading(engine, slug, at) as (session, study):
        bank = get_bank(session, study.bank_id)
        config = parse_config(study.config)
        query = (
            select(*cols)
            .where(
                col(AnswerRow.bank_id) == study.bank_id,
                col(AnswerRow.draft).is_(False),
                or_(
                    col(AnswerRow.study_id) == study.id,
                    (col(AnswerRow.respondent_kind) == "model") & (col(AnswerRow.study_key) == 0),
                ),
            )
            .order_by(col(AnswerRow.respondent), col(AnswerRow.epoch), col(AnswerRow.item_id))
        )
        answers, seconds = [], []
        status = {s.value: s for s in Status}
        for r in session.execute(query):
            answers.append(
                Answer(r[0], r[1], r[2], dict(r[3]), r[4], r[5], status[r[6]], r[7], r[8])
            )
            extra = r[10] or {}
            sec = r[9] if r[9] is not None else extra.get("seconds")
            seconds.append(float(sec) if isinstance(sec, int | float) else None)
        agents = [
            Answer(r[0], r[1], r[2], dict(r[3]), r[4], r[5], status[r[6]], r[7], r[8])
            for r in session.execute(
                select(*cols[:9])
                .where(
                    col(AnswerRow.bank_id) == study.bank_id,
                    col(AnswerRow.respondent_kind) == "agent",
                    col(AnswerRow.study_key) == 0,
                    col(AnswerRow.draft).is_(False),
                )
                .order_by(col(AnswerRow.id))
            )
        ]  # the order they were computed in
        states = {
            respondent_of(slug, pid): state
            for pid, state in session.execute(
                select(col(ParticipantRow.id), col(ParticipantRow.state)).where(
                    col(ParticipantRow.study_id) == study.id
                )
            )
        }
        rehearsals = {
            respondent_of(slug, pid)
            for pid in session.execute(
                select(col(RehearsalRow.participant_id)).where(
                    col(RehearsalRow.study_id) == study.id
                )
            ).scalars()
        }
        if scored_items(bank) > REFERENCE_AT_IMPORT:  # a large bank: the answered items' agents
            agents += _agents_for_answered(session, bank, study.bank_id, answers, agents, at)
            return StudyAnswers(
                slug,
                bank,
                config,
                tuple(answers),
                tuple(seconds),
                tuple(agents),
                states,
                frozenset(rehearsals),
            )
    return StudyAnswers(
        slug,
        bank,
        config,
        tuple(answers),
        tuple(seconds),
        tuple(agents) or None,
        states,
        frozenset(rehearsals),
    )


def _agents_for_answered(
    session: Session,
    bank: Bank,
    bank_id: int,
    answers: list[Answer],
    agents: list[Answer],
    at: datetime,
) -> tuple[Answer, ...]:
    """The reference agents' answers to the items of ``answers`` that have none yet, computed
    and stored now (a bank over :data:`REFERENCE_AT_IMPORT` got none at import)."""
    covered = {a.item for a in agents}
    wanted = {a.item for a in answers} - covered
    items = tuple(it for it in bank.items if it.id in wanted and it.split is not Split.TRAIN)
    if not items:
        return ()
    new = reference_answers(replace(bank, items=items))
    record_answers(session, new, bank_id=bank_id, now=lambda: at)
    return new


def scope_answers(
    data: StudyAnswers, *, finished_only: bool = True, rehearsal: bool = False
) -> tuple[StudyAnswers, HumanScope]:
    """The answers the Results are of, and which participants that is.

    ``finished_only`` (the default everywhere: the Results page, the scores and item-table
    exports, the bundle) keeps the human answers of participants who finished and leaves out
    those who timed out, stopped or are still answering: their unanswered items would count
    as wrong in the human group row. Rehearsal participants (``hhvalues bots``) are left out
    too unless ``rehearsal``: they are not people. Model and agent answers are always kept.
    """
    humans = {a.respondent for a in data.answers if parse_respondent(a.respondent)[0] == "human"}
    bots = humans & data.rehearsals if not rehearsal else set()
    kept = {
        h
        for h in humans - bots
        if not finished_only or data.states.get(h) == ParticipantState.FINISHED.value
    }
    left_out = Counter(data.states.get(h, "unknown") for h in humans - kept - bots)
    if bots:
        left_out["rehearsal"] = len(bots)
    scope = HumanScope(
        finished_only,
        len(kept),
        dict(sorted(left_out.items())),
        rehearsal,
        len(kept & data.rehearsals),
    )
    if kept == humans:
        return data, scope
    keep = [a.respondent in kept or a.respondent not in humans for a in data.answers]
    return (
        replace(
            data,
            answers=tuple(a for a, k in zip(data.answers, keep, strict=True) if k),
            seconds=tuple(s for s, k in zip(data.seconds, keep, strict=True) if k),
        ),
        scope,
    )


def results_of(
    data: StudyAnswers,
    *,
    finished_only: bool = True,
    rehearsal: bool = False,
    seed: int = 0,
    n_boot: int = 2000,
    baseline: str | None = None,
) -> Results:
    """The Results of loaded study answers (:func:`scope_answers`, then
    :func:`~hhvalues.store.analysis.build_results`): what the page and the exports show."""
    scoped, scope = scope_answers(data, finished_only=finished_only, rehearsal=rehearsal)
    results = build_results(
        scoped.bank,
        scoped.answers,
        seconds=scoped.seconds,
        catch_exclude=scoped.config.catch_exclude,
        seed=seed,
        n_boot=n_boot,
        baseline=baseline,
        agent_answers=scoped.agents if seed == 0 else None,
    )
    return replace(results, scope=scope)


def study_results(
    engine: Engine,
    slug: str,
    *,
    seed: int = 0,
    n_boot: int = 2000,
    baseline: str | None = None,
    finished_only: bool = True,
    rehearsal: bool = False,
    now: Clock = system_clock,
) -> Results:
    """The Results page of a study (:func:`results_of` of :func:`load_study_answers`, the
    timeouts due at ``now`` recorded first); rehearsal participants only with ``rehearsal``."""
    return results_of(
        load_study_answers(engine, slug, now=now),
        finished_only=finished_only,
        rehearsal=rehearsal,
        seed=seed,
        n_boot=n_boot,
        baseline=baseline,
    )


@dataclass(frozen=True, slots=True)
class ParticipantLine:
    """One participant on the monitoring page."""

    id: int
    external_pid: str | None
    state: str
    config_version: int
    answered: int
    assigned: int
    last_seen_at: datetime | None
    catch_failures: int
    catch_flag: str
    fast_answers: int
    timed_out: int = 0
    """Of ``answered``, the items whose time ran out (status ``timeout``)."""
    rehearsal: bool = False
    """A simulated participant of ``hhvalues bots``, not a person."""


@dataclass(frozen=True, slots=True)
class Monitor:
    """A live snapshot of one study."""

    at: datetime
    by_state: dict[str, int]
    participants: tuple[ParticipantLine, ...]
    answers_per_minute: tuple[tuple[datetime, int], ...]
    """(minute, human answers submitted in it) over the last :data:`WINDOW_MINUTES`."""
    median_seconds: float | None
    """Median seconds per item over the study's human answers."""
    catch_failures: int
    fast_answers: int
    items_timed_out: int
    """Human answers (one per item) that ran out of time, in any participant's session."""


WINDOW_MINUTES = 30


def monitor(engine: Engine, slug: str, *, now: Clock) -> Monitor:
    """Participants by state with last-seen times, answer rate, item times, catch and fast flags."""
    at = read_clock(now)
    since = at - timedelta(minutes=WINDOW_MINUTES)
    with _reading(engine, slug, at) as (session, study):
        parts = (
            session.execute(
                select(ParticipantRow)
                .where(col(ParticipantRow.study_id) == study.id)
                .order_by(col(ParticipantRow.id))
            )
            .scalars()
            .all()
        )
        counts: Counter[int] = Counter()
        fast: Counter[int] = Counter()
        late: Counter[int] = Counter()
        timed_out = 0
        secs: list[float] = []
        per_minute: defaultdict[datetime, int] = defaultdict(int)
        rows = session.execute(
            select(
                col(AnswerRow.participant_id),
                col(AnswerRow.fast),
                col(AnswerRow.seconds),
                col(AnswerRow.submitted_at),
                col(AnswerRow.status),
            ).where(col(AnswerRow.study_id) == study.id, col(AnswerRow.draft).is_(False))
        )
        for pid, is_fast, sec, sub, status in rows:
            counts[pid] += 1
            timed_out += status == Status.TIMEOUT.value
            late[pid] += status == Status.TIMEOUT.value
            fast[pid] += bool(is_fast)
            if sec is not None:
                secs.append(float(sec))
            sub = as_utc(sub)
            if sub is not None and sub >= since:
                per_minute[sub.replace(second=0, microsecond=0)] += 1
        bots = set(
            session.execute(
                select(col(RehearsalRow.participant_id)).where(
                    col(RehearsalRow.study_id) == study.id
                )
            ).scalars()
        )
        lines = tuple(
            ParticipantLine(
                p.id or 0,
                p.external_pid,
                p.state,
                p.config_version,
                counts[p.id or 0],
                len(p.assignment),
                as_utc(p.last_seen_at),
                p.catch_failures,
                p.catch_flag,
                fast[p.id or 0],
                late[p.id or 0],
                p.id in bots,
            )
            for p in parts
        )
    by_state = {s.value: 0 for s in ParticipantState} | Counter(p.state for p in lines)
    start = since.replace(second=0, microsecond=0)
    minutes = tuple(
        (start + timedelta(minutes=k), per_minute.get(start + timedelta(minutes=k), 0))
        for k in range(WINDOW_MINUTES + 1)
    )
    return Monitor(
        at,
        dict(by_state),
        lines,
        minutes,
        statistics.median(secs) if secs else None,
        sum(p.catch_failures for p in lines),
        sum(p.fast_answers for p in lines),
        timed_out,
    )


def answers_fingerprint(engine: Engine, slug: str, *, now: Clock = system_clock) -> tuple[int, str]:
    """(count, latest update) of the answers :func:`load_study_answers` reads: a cache key
    (timeouts due at ``now`` recorded first, so they change it)."""
    with _reading(engine, slug, read_clock(now)) as (session, study):
        n, last = session.execute(
            select(func.count(), func.max(col(AnswerRow.updated_at))).where(
                col(AnswerRow.bank_id) == study.bank_id,
                or_(
                    col(AnswerRow.study_id) == study.id,
                    (col(AnswerRow.respondent_kind) == "model") & (col(AnswerRow.study_key) == 0),
                ),
            )
        ).one()
    return int(n), str(last)


def monitor_items(engine: Engine, slug: str, *, now: Clock = system_clock) -> tuple[ItemLine, ...]:
    """Humans and models item by item on the test and catch items, as collection runs."""
    data = load_study_answers(engine, slug, now=now)
    if not data.answers:
        return ()
    graded = grade(data.bank, data.answers).select(splits=[Split.TEST, Split.CATCH])
    kinds = {r: parse_respondent(r)[0] for r in graded.respondents}
    return item_table(
        graded,
        data.answers,
        data.seconds,
        [r for r, k in kinds.items() if k == "human"],
        [r for r, k in kinds.items() if k == "model"],
    )


__all__ = [
    "WINDOW_MINUTES",
    "Monitor",
    "ParticipantLine",
    "StudyAnswers",
    "answers_fingerprint",
    "load_study_answers",
    "monitor",
    "monitor_items",
    "results_of",
    "scope_answers",
    "study_results",
]
