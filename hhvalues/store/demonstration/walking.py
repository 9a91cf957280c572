"""Demonstration studies (issue 6): people walk worlds under assigned values, move by move.

Each participant of a ``demonstrate`` study gets, from ``default_rng([config.seed, participant
id, 6])``: a value profile drawn from the bank's prior (:func:`hhvalues.core.prior.sample_truth`),
``practice`` practice worlds and ``worlds`` worlds from the bank's generator
(:func:`hhvalues.core.generate.random_world` with the bank's features and size), stored as
``walks`` rows with the weights and the instruction (``do`` or ``teach``) on every walk.

Every key press is one write transaction (a ``moves`` row, unique per walk and index): a press
carries the index the page showed, so a double press or a replayed request stores nothing. A
move into a wall or off the grid is a recorded bump that does not move. The state is rebuilt
from the database on every call, so a refresh or a server restart resumes mid-walk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from hhvalues.core.bank import Bank
from hhvalues.core.features import FeatureSet
from hhvalues.core.generate import random_world
from hhvalues.core.planning import optimal_return
from hhvalues.core.prior import sample_truth
from hhvalues.core.world import MOVES, World, parse_world
from hhvalues.errors import InputError, LinkError, NotFoundError
from hhvalues.store.db import (
    Clock,
    MoveRow,
    ParticipantRow,
    StudyRow,
    WalkRow,
    deadline_after,
    get_bank,
    is_past,
    read_clock,
    read_session,
    write_session,
)
from hhvalues.store.demonstration.setup import INSTRUCTIONS, DemoConfig
from hhvalues.store.participation import Refusal, StepKind, begin_step, entry_page
from hhvalues.store.studies import (
    IntakeQuestion,
    Loaded,
    ParticipantState,
    StudyKind,
    StudyStatus,
    check_token,
    hash_token,
    load,
    log,
)

S = ParticipantState


class DemoStepKind(StrEnum):
    """Which page a demonstration link shows now."""

    CONSENT = "consent"
    INTAKE = "intake"
    INSTRUCTIONS = "instructions"
    WALK = "walk"
    PRACTICE_DONE = "practice_done"
    DONE = "done"
    CLOSED = "closed"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class WalkView:
    """One walk as the play page shows it (the participant's own values are not secret)."""

    id: int
    number: int
    """1-based within its phase (practice or recorded)."""
    phase_total: int
    practice: bool
    grid: tuple[str, ...]
    path: str
    n_moves: int
    """Key presses stored so far (bumps included): the index the next press must carry."""
    n_bumps: int
    score: float
    horizon: int
    ended: bool
    end_reason: str
    deadline_at: datetime | None

    @property
    def steps_left(self) -> int:
        """Moves left before the horizon."""
        return self.horizon - len(self.path)


@dataclass(frozen=True, slots=True)
class DemoStep:
    """Everything the demonstration pages need for this request."""

    kind: DemoStepKind
    message: str = ""
    study: str = ""
    consent_text: str = ""
    intake: tuple[IntakeQuestion, ...] = ()
    features: FeatureSet | None = None
    weights: Mapping[str, float] = field(default_factory=dict)
    step_cost: float = 0.0
    instruction: str = ""
    walk: WalkView | None = None
    walks_done: int = 0
    walks_total: int = 0
    optimal: float | None = None
    """Best possible score of the walk just finished (practice feedback only)."""
    completion_code: str = ""
    redirect_url: str | None = None
    timed_out: bool = False
    session_deadline_at: datetime | None = None


class MoveResult(NamedTuple):
    """What a key press did."""

    walk: WalkView
    bumped: bool
    stored: bool
    """False when the walk had already run out of time (nothing but its end was stored)."""


# --- reading a link ----------------------------------------------------------------------------


def token_study_kind(engine: Engine, token: object) -> str | None:
    """The kind of study a participant link belongs to; None for a malformed or unknown token."""
    try:
        check_token(token)
    except LinkError:
        return None
    assert isinstance(token, str)
    with read_session(engine) as session:
        kind = session.exec(
            select(StudyRow.kind)
            .join(ParticipantRow, col(ParticipantRow.study_id) == StudyRow.id)
            .where(ParticipantRow.token_hash == hash_token(token))
        ).first()
    return kind


def _bank_world_size(bank: Bank) -> int:
    size = (
        bank.meta.get("generator", {}).get("size")
        if isinstance(bank.meta.get("generator"), dict)
        else None
    )
    if isinstance(size, int) and 5 <= size <= 12:
        return size
    return max(5, min(12, len(bank.items[0].demos[0].grid))) if bank.items else 7


def _instruction(session: Session, loaded: Loaded, demo: DemoConfig) -> str:
    if demo.instruction in INSTRUCTIONS:
        return demo.instruction
    rank = session.exec(
        select(func.count())
        .select_from(ParticipantRow)
        .where(
            ParticipantRow.study_id == loaded.study.id,
            col(ParticipantRow.id) < loaded.participant.id,
        )
    ).one()
    return INSTRUCTIONS[int(rank) % 2]


def ensure_walks(session: Session, loaded: Loaded, bank: Bank) -> list[WalkRow]:
    """The participant's walks, created (seeded per participant) on first need."""
    p = loaded.participant
    rows = list(
        session.exec(
            select(WalkRow).where(WalkRow.participant_id == p.id).order_by(col(WalkRow.position))
        ).all()
    )
    if rows:
        return rows
    demo = DemoConfig.of(loaded.config)
    rng = np.random.default_rng([loaded.config.seed, p.id or 0, 6])
    m = bank.model
    w, _beta = sample_truth(m.levels(bank.features), m.rationality_levels, rng=rng)
    weights = bank.features.weights_dict(w)
    instruction = _instruction(session, loaded, demo)
    size = _bank_world_size(bank)
    for k in range(demo.practice + demo.worlds):
        world = random_world(bank.features, size, rng)
        rows.append(
            WalkRow(
                participant_id=p.id or 0,
                position=k,
                practice=k < demo.practice,
                grid=list(world.rows),
                weights=weights,
                instruction=instruction,
                horizon=m.horizon,
            )
        )
    session.add_all(rows)
    p.assignment = []  # the answer flow's items do not apply (its timeout sweep then writes nothing)
    session.flush()
    return rows


def _view(row: WalkRow, rows: list[WalkRow]) -> WalkView:
    same = [r for r in rows if r.practice == row.practice]
    number = next(i for i, r in enumerate(same, 1) if r is row)
    return _view_at(row, number, len(same))


def _view_at(row: WalkRow, number: int, phase_total: int) -> WalkView:
    return WalkView(
        row.id or 0,
        number,
        phase_total,
        row.practice,
        tuple(row.grid),
        row.path,
        row.n_moves,
        row.n_bumps,
        row.score,
        row.horizon,
        row.ended_at is not None,
        row.end_reason,
        row.deadline_at,
    )


def _view_of(row: WalkRow, demo: DemoConfig) -> WalkView:
    """The view of one walk without reading its siblings (walks are laid out practice first)."""
    if row.practice:
        return _view_at(row, row.position + 1, demo.practice)
    return _view_at(row, row.position - demo.practice + 1, demo.worlds)


def _end(session: Session, loaded: Loaded, row: WalkRow, reason: str, at: datetime) -> None:
    row.ended_at, row.end_reason = at, reason
    log(session, loaded, "walk_end", at, walk=row.id, reason=reason, moves=row.n_moves)


def _expire(session: Session, loaded: Loaded, rows: list[WalkRow], at: datetime) -> None:
    """End the current walk when its time ran out; all of them when the session's did."""
    p = loaded.participant
    session_over = is_past(at, p.session_deadline_at)
    for row in rows:
        if row.ended_at is not None:
            continue
        if session_over or is_past(at, row.deadline_at):
            _end(session, loaded, row, "timeout", at)
    if session_over and p.state == S.IN_PROGRESS:
        p.state, p.finished_at = S.TIMED_OUT.value, at
        log(session, loaded, "session_timeout", at)


def demo_step(engine: Engine, token: object, *, now: Clock) -> DemoStep:
    """The page this link shows now, rebuilt from the database (idempotent side effects: walks
    created on first need, the current walk's clock started, expired walks ended)."""
    with begin_step(engine, token, now=now, kind=StudyKind.DEMONSTRATE) as opened:
        if isinstance(opened, Refusal):
            return DemoStep(DemoStepKind(opened.kind.value), message=opened.message)
        session, at, loaded = opened
        p, cfg = loaded.participant, loaded.config
        base: dict[str, Any] = {"study": loaded.study.slug}
        entry = entry_page(loaded)
        if entry is StepKind.CONSENT:
            return DemoStep(DemoStepKind.CONSENT, consent_text=cfg.consent_text, **base)
        bank = get_bank(session, loaded.study.bank_id)
        rows = ensure_walks(session, loaded, bank)
        p.last_seen_at = at
        base |= {
            "features": bank.features,
            "weights": dict(rows[0].weights),
            "step_cost": bank.step_cost,
            "instruction": rows[0].instruction,
            "session_deadline_at": p.session_deadline_at,
            "walks_total": len(rows),
        }
        if entry is StepKind.INTAKE:
            return DemoStep(DemoStepKind.INTAKE, intake=cfg.intake, **base)
        if entry is StepKind.INSTRUCTIONS:
            return DemoStep(DemoStepKind.INSTRUCTIONS, **base)
        if p.state == S.IN_PROGRESS:
            _expire(session, loaded, rows, at)
        base["walks_done"] = sum(r.ended_at is not None for r in rows)
        if p.state == S.IN_PROGRESS:
            for row in rows:
                if row.practice and row.ended_at is not None and row.feedback_seen_at is None:
                    world = parse_world(row.grid, bank.features)
                    best = optimal_return(
                        world,
                        np.array(bank.features.weights_vector(row.weights)),
                        step_cost=bank.step_cost,
                        horizon=row.horizon,
                    )
                    return DemoStep(
                        DemoStepKind.PRACTICE_DONE, walk=_view(row, rows), optimal=best, **base
                    )
                if row.ended_at is None:
                    if row.started_at is None:
                        row.started_at = at
                        row.deadline_at = deadline_after(
                            at, seconds=DemoConfig.of(cfg).walk_seconds, cap=p.session_deadline_at
                        )
                        log(session, loaded, "walk_start", at, walk=row.id)
                    return DemoStep(DemoStepKind.WALK, walk=_view(row, rows), **base)
            p.state, p.finished_at = S.FINISHED.value, at
            log(session, loaded, "finish", at)
        return DemoStep(
            DemoStepKind.DONE,
            completion_code=cfg.completion_code,
            redirect_url=cfg.redirect_url,
            timed_out=p.state == S.TIMED_OUT,
            **base,
        )


# --- moves -------------------------------------------------------------------------------------


_WORLDS: dict[tuple[tuple[str, ...], FeatureSet], World] = {}


def _world(grid: tuple[str, ...], features: FeatureSet) -> World:
    key = (grid, features)
    world = _WORLDS.get(key)
    if world is None:
        if len(_WORLDS) > 4096:
            _WORLDS.clear()
        world = _WORLDS[key] = parse_world(grid, features)
    return world


def _current(world: World, path: str) -> int:
    s = world.start
    for move in path:
        s = int(world.next_state[s, MOVES.index(move)])
    return s


def _own_walk(session: Session, loaded: Loaded, walk_id: object) -> WalkRow:
    if not isinstance(walk_id, int) or isinstance(walk_id, bool):
        raise LinkError("this walk is not one of this participant's worlds")
    row = session.exec(select(WalkRow).where(WalkRow.id == walk_id).with_for_update()).first()
    if row is None or row.participant_id != loaded.participant.id:
        raise LinkError("this walk is not one of this participant's worlds")
    return row


def record_move(
    engine: Engine, token: object, walk_id: object, index: object, direction: object, *, now: Clock
) -> MoveResult:
    """Store one key press of a walk, exactly once, and apply it.

    ``index`` is the move index the page showed (``WalkView.n_moves``). Rejected with nothing
    written: a malformed or unknown link or a closed study (LinkError); a walk that is not this
    participant's or not the current one (LinkError); an unknown direction, an index already
    stored or skipped, a walk that has ended (InputError). A press after the walk's time ran
    out ends the walk as ``timeout`` and stores no move.
    """
    at = read_clock(now)
    if not isinstance(direction, str) or len(direction) != 1 or direction not in MOVES:
        raise InputError(f"unknown direction {direction!r}: a move is one of U, D, L, R")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise InputError(f"move index must be a non-negative integer, got {index!r}")
    try:
        with write_session(engine) as session:
            loaded = load(session, token)
            p = loaded.participant
            if loaded.study.status != StudyStatus.OPEN.value:
                raise LinkError(f"study {loaded.study.slug!r} is closed")
            row = _own_walk(session, loaded, walk_id)
            if p.state != S.IN_PROGRESS:
                raise LinkError("this session is not in progress")
            if row.started_at is None:
                raise LinkError("this walk has not been shown to this participant yet")
            if row.ended_at is not None:
                raise InputError(
                    f"this walk has ended ({row.end_reason}); move {index} was not stored"
                )
            if index < row.n_moves:
                raise InputError(f"move {index} of this walk is already stored")
            if index > row.n_moves:
                raise InputError(
                    f"move {index} skips ahead: the next move of this walk is {row.n_moves}"
                )
            demo = DemoConfig.of(loaded.config)
            if is_past(at, row.deadline_at, p.session_deadline_at):
                rows = list(
                    session.exec(
                        select(WalkRow)
                        .where(WalkRow.participant_id == p.id)
                        .order_by(col(WalkRow.position))
                    ).all()
                )
                _expire(session, loaded, rows, at)
                if row.ended_at is None:
                    _end(session, loaded, row, "timeout", at)
                return MoveResult(_view_of(row, demo), False, False)
            bank = get_bank(session, loaded.study.bank_id)
            world = _world(tuple(row.grid), bank.features)
            s = _current(world, row.path)
            nxt = int(world.next_state[s, MOVES.index(direction)])
            bumped = nxt < 0
            reward = 0.0
            if not bumped:
                w = np.array(bank.features.weights_vector(row.weights))
                reward = float(world.phi[nxt] @ w + bank.step_cost)
                row.path += direction
                row.score = round(row.score + reward, 9)
            else:
                row.n_bumps += 1
            session.add(
                MoveRow(
                    walk_id=row.id or 0,
                    index=index,
                    direction=direction,
                    bumped=bumped,
                    from_state=s,
                    to_state=s if bumped else nxt,
                    reward=reward,
                    at=at,
                )
            )
            row.n_moves = index + 1
            p.last_seen_at = at
            if not bumped and (world.terminal[nxt] or len(row.path) >= row.horizon):
                _end(session, loaded, row, "destination" if world.terminal[nxt] else "horizon", at)
            session.flush()
            return MoveResult(_view_of(row, demo), bumped, True)
    except IntegrityError:  # the same (walk, index) stored concurrently by another request
        raise InputError(f"move {index} of this walk is already stored") from None


def acknowledge_practice(engine: Engine, token: object, walk_id: object, *, now: Clock) -> None:
    """The participant has read the feedback on a finished practice walk; the session moves on."""
    at = read_clock(now)
    with write_session(engine) as session:
        loaded = load(session, token)
        row = _own_walk(session, loaded, walk_id)
        if not row.practice or row.ended_at is None:
            raise LinkError("feedback is given only on a finished practice walk")
        if row.feedback_seen_at is None:
            row.feedback_seen_at = at
            log(session, loaded, "practice_feedback", at, walk=row.id)


def participant_walks(engine: Engine, token: object) -> list[WalkView]:
    """A participant's walks (for tests and support); LinkError for an unknown link."""
    with read_session(engine) as session:
        loaded = load(session, token, lock=False)
        rows = list(
            session.exec(
                select(WalkRow)
                .where(WalkRow.participant_id == loaded.participant.id)
                .order_by(col(WalkRow.position))
            ).all()
        )
        if not rows:
            raise NotFoundError("this participant has no walks yet")
        return [_view(r, rows) for r in rows]


__all__ = [
    "DemoStep",
    "DemoStepKind",
    "MoveResult",
    "WalkView",
    "acknowledge_practice",
    "demo_step",
    "ensure_walks",
    "participant_walks",
    "record_move",
    "token_study_kind",
]
