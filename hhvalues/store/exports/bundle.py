"""The study bundle: one zip that re-scores to the Results page's numbers with ``hhvalues score``.

Contents (``README.md`` inside explains every column)::

    bank.json          the full bank (truth included); its content hash is in manifest.json
    study.json         slug, status and every configuration version
    answers.jsonl      every final answer of the study (all splits, timeouts and empties included)
    models.jsonl       model-condition answers to the bank made outside the study (the harness)
    agents.jsonl       the reference agents' answers (random, heuristic, ideal)
    participants.csv   every participant, answers or not (empty and timed-out sessions included)
    answers-scored.jsonl  the answers the Results page scores (participants who finished)
    scores.json        the Results page's score table (test split, human group)
    items.csv          the per-item table
    manifest.json      counts, bank hash, SHA-256 of every file above, the re-score command
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from hhvalues.core.answers import Answer, dumps_answer
from hhvalues.core.bank import dumps_bank
from hhvalues.store.analysis import load_study_answers, results_of, scope_answers
from hhvalues.store.db import (
    AnswerRow,
    Clock,
    ParticipantRow,
    RehearsalRow,
    StudyConfigRow,
    read_session,
    system_clock,
)
from hhvalues.store.exports.answers import answer_of_row, iter_answer_rows
from hhvalues.store.exports.files import Written, neutralise, write_atomic
from hhvalues.store.exports.summaries import ITEM_COLUMNS, items_csv, scores_text
from hhvalues.store.participation import settle_timeouts
from hhvalues.store.studies import respondent_of, study_row

RESCORE = (
    "hhvalues score --bank bank.json --answers answers-scored.jsonl --answers models.jsonl "
    "--answers agents.jsonl --split test --group human --json"
)
PARTICIPANT_COLUMNS = (
    "participant",
    "respondent",
    "external_pid",
    "state",
    "config_version",
    "created_at",
    "consented_at",
    "started_at",
    "finished_at",
    "last_seen_at",
    "catch_failures",
    "catch_flag",
    "answers",
)

README = f"""# Study bundle

Re-score (prints the Results page's table as JSON, equal to scores.json):

    {RESCORE}

The Results page, scores.json and items.csv are of the participants who finished (the page's
"Finished participants only", on by default). To score everyone who answered, finished or not
(the page with that choice off), give answers.jsonl instead of answers-scored.jsonl.

## answers-scored.jsonl
The lines of answers.jsonl that the Results page scores: the answers of participants who
finished, and the study's own model answers.

## answers.jsonl, models.jsonl, agents.jsonl
One answer per line, in the answers format of docs/formats.md §2 (HH-Values Studio): respondent (`human:<study>/<participant>`,
`model:<provider>/<model>/<condition>`, `agent:<name>`), item, epoch, choices (probe → A/B/null),
hypothesis (feature → weight) or null, confidence (probe → 0.5..1) or null, status (ok, timeout,
refused, truncated, empty, invalid, error), rationale, stimulus (sha256 of what was shown).
A timeout holds what the participant had selected when time ran out and is graded on it, as an
ok answer; each question left without a choice counts as wrong and as unanswered. Every other
status but ok grades all of the answer's questions as wrong.

## participants.csv
{", ".join(PARTICIPANT_COLUMNS)}. Times are ISO 8601 UTC; `answers` counts final answers, so a
session that never answered shows 0. catch_flag is "", warn or exclude.

## scores.json
`chance`, `respondents` (accuracy, ci_low, ci_high: 95% bootstrap CI over items, n_items,
n_probes, ceiling: ideal observer on the same probes, normalized = (acc − 0.5)/(ceiling − 0.5),
status_counts, n_unanswered: questions left without a choice in ok and timeout answers,
accuracy_ok, by_type, by_difficulty, …), `groups` (human:*: mean of participants,
CI over participants and items), `seed`, `n_boot`. Scored on the test split, of the participants
who finished.

## items.csv
{", ".join(ITEM_COLUMNS)}. Accuracies pool every probe answer on the item; normalized uses the
item's ideal-observer ceiling; flag_humans_time_out = 1 when ≥ 25% of human answers timed out
while models answered ≥ 75% correctly.

## CSV safety
Text cells starting with = + - @ are prefixed with ' so spreadsheets do not run them.
"""


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


class _HashingZip:
    """Write members of a zip one by one, recording each member's SHA-256 and line count."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.hashes: dict[str, str] = {}

    def member(self, name: str, fill: Callable[[Callable[[str], None]], None]) -> None:
        h = hashlib.sha256()
        with self.zf.open(name, "w") as raw:

            def put(text: str) -> None:
                data = text.encode("utf-8")
                h.update(data)
                raw.write(data)

            fill(put)
        self.hashes[name] = h.hexdigest()


def _participants(session: Session, study_id: int, slug: str, rehearsal: bool) -> str:
    counts: dict[int | None, int] = dict(
        session.exec(
            select(AnswerRow.participant_id, func.count())
            .where(AnswerRow.study_id == study_id, col(AnswerRow.draft).is_(False))
            .group_by(col(AnswerRow.participant_id))
        ).all()
    )
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(PARTICIPANT_COLUMNS)
    query = select(ParticipantRow).where(ParticipantRow.study_id == study_id)
    if not rehearsal:
        bots = select(RehearsalRow.participant_id).where(RehearsalRow.study_id == study_id)
        query = query.where(col(ParticipantRow.id).not_in(bots))
    for p in session.exec(query.order_by(col(ParticipantRow.id))):
        w.writerow(
            [
                p.id,
                respondent_of(slug, p.id or 0),
                neutralise(p.external_pid or ""),
                p.state,
                p.config_version,
                _iso(p.created_at),
                _iso(p.consented_at),
                _iso(p.started_at),
                _iso(p.finished_at),
                _iso(p.last_seen_at),
                p.catch_failures,
                p.catch_flag,
                counts.get(p.id, 0),
            ]
        )
    return buf.getvalue()


def write_bundle(
    engine: Engine,
    slug: str,
    out: str | os.PathLike[str],
    *,
    seed: int = 0,
    n_boot: int = 2000,
    now: Clock = system_clock,
    rehearsal: bool = False,
) -> Written:
    """Write the study bundle zip; ``rows`` is the number of study answers in it (the
    timeouts due at ``now`` recorded first); rehearsal participants only with ``rehearsal``."""
    settle_timeouts(engine, slug, now=now)
    data = load_study_answers(engine, slug, now=now)
    results = results_of(data, seed=seed, n_boot=n_boot, rehearsal=rehearsal)
    scoped, scope = scope_answers(data, rehearsal=rehearsal)
    humans = {a.respondent for a in data.answers if a.respondent.startswith("human:")}
    left_out = humans - {a.respondent for a in scoped.answers}
    with read_session(engine) as session:
        study = study_row(session, slug)
        versions = session.exec(
            select(StudyConfigRow.version, StudyConfigRow.config, StudyConfigRow.created_at)
            .where(StudyConfigRow.study_id == study.id)
            .order_by(col(StudyConfigRow.version))
        ).all()
        study_doc = {
            "slug": study.slug,
            "status": study.status,
            "kind": study.kind,
            "config_version": study.config_version,
            "config": study.config,
            "versions": [
                {"version": v, "config": c, "created_at": _iso(at)} for v, c, at in versions
            ],
        }
        participants = _participants(session, study.id or 0, slug, rehearsal)
        study_id = study.id
    models = [a for a in data.answers if a.respondent.startswith("model:")]
    n = 0

    def write(fh: Any) -> None:
        nonlocal n
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            z = _HashingZip(zf)
            z.member("bank.json", lambda put: put(dumps_bank(data.bank)))
            z.member(
                "study.json",
                lambda put: put(json.dumps(study_doc, indent=1, ensure_ascii=False) + "\n"),
            )

            def answers(put: Callable[[str], None]) -> None:
                nonlocal n
                for part in iter_answer_rows(engine, slug, rehearsal=rehearsal):
                    put("".join(dumps_answer(answer_of_row(r)) + "\n" for r in part))
                    n += len(part)

            z.member("answers.jsonl", answers)
            scored = 0

            def scored_answers(put: Callable[[str], None]) -> None:
                nonlocal scored
                for part in iter_answer_rows(engine, slug, rehearsal=rehearsal):
                    kept = [a for a in map(answer_of_row, part) if a.respondent not in left_out]
                    put("".join(dumps_answer(a) + "\n" for a in kept))
                    scored += len(kept)

            z.member("answers-scored.jsonl", scored_answers)
            z.member("models.jsonl", lambda put: _outside_models(put, models, study_id, engine))
            z.member(
                "agents.jsonl",
                lambda put: put("".join(dumps_answer(a) + "\n" for a in results.agent_answers)),
            )
            z.member("participants.csv", lambda put: put(participants))
            z.member("scores.json", lambda put: put(scores_text(results)))
            z.member("items.csv", lambda put: put(items_csv(results)))
            z.member("README.md", lambda put: put(README))
            manifest = {
                "format": "hhvalues-bundle/1",
                "study": slug,
                "bank": {
                    "name": data.bank.name,
                    "version": data.bank.version,
                    "content_hash": data.bank.content_hash,
                },
                "exported_at": _iso(now()),
                "answers": n,
                "scored_answers": scored,
                "participants_scored": scope.included,
                "participants_left_out": dict(scope.left_out),
                "model_answers": len(models),
                "agent_answers": len(results.agent_answers),
                "rescore": RESCORE,
                "sha256": dict(z.hashes),
            }
            zf.writestr("manifest.json", json.dumps(manifest, indent=1) + "\n")

    digest = write_atomic(Path(out), write, binary=True)
    return Written(Path(out), n, digest)


def _outside_models(
    put: Callable[[str], None], models: list[Answer], study_id: int | None, engine: Engine
) -> None:
    """Model answers made outside the study (the study's own ones are in answers.jsonl)."""
    inside: set[tuple[str, str, int]] = set()
    if study_id is not None:
        with read_session(engine) as session:
            inside = set(
                session.exec(
                    select(AnswerRow.respondent, AnswerRow.item_id, AnswerRow.epoch).where(
                        AnswerRow.study_id == study_id, AnswerRow.respondent_kind == "model"
                    )
                )
            )
    put(
        "".join(
            dumps_answer(a) + "\n" for a in models if (a.respondent, a.item, a.epoch) not in inside
        )
    )


__all__ = ["PARTICIPANT_COLUMNS", "README", "RESCORE", "write_bundle"]
