from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from hhvalues.core.answers import Answer, Status
from hhvalues.core.scoring import grade
from hhvalues.store.analysis import load_study_answers
from hhvalues.store.db import (
    AnswerRow,
    current_revision,
    import_bank,
    make_engine,
    metadata,
    read_session,
    record_answers,
    upgrade,
    write_session,
)
from hhvalues.store.participation import (
    consent,
    current_step,
    save_draft,
    start_session,
    submit,
    sweep_timeouts,
)
from hhvalues.store.studies import StudyConfig, create_study, invite

TABLES = {
    "banks",
    "items",
    "studies",
    "study_configs",
    "participants",
    "presentations",
    "answers",
    "events",
}


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from hhvalues.store.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head()


def test_upgrade_creates_every_table_on_an_empty_database(empty_database_url):
    engine = make_engine(empty_database_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
        assert current_revision(engine) == _head()
        upgrade(engine)  # every start calls it: a second run is a no-op
        assert current_revision(engine) == _head()
    finally:
        engine.dispose()


def test_upgrade_from_an_older_revision_keeps_the_data(empty_database_url):
    engine = make_engine(empty_database_url)
    try:
        upgrade(engine, "0001")
        assert current_revision(engine) == "0001"
        indexes = {i["name"] for i in inspect(engine).get_indexes("answers")}
        assert "ix_answers_study_submitted" not in indexes
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO banks (name, version, content_hash, document, imported_at) "
                    "VALUES ('b', '1', 'abc', '{}', :at)"
                ),
                {"at": datetime(2025, 1, 1, tzinfo=UTC)},
            )
        upgrade(engine)
        assert current_revision(engine) == _head()
        assert "ix_answers_study_submitted" in {
            i["name"] for i in inspect(engine).get_indexes("answers")
        }
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM banks")).scalars().all() == ["b"]
    finally:
        engine.dispose()


def test_autogenerate_finds_no_difference_between_migrations_and_models(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": engine.dialect.name == "sqlite"}
        )
        assert compare_metadata(ctx, metadata) == []


def test_constraint_names_follow_the_naming_convention(engine):
    uniques = {u["name"] for u in inspect(engine).get_unique_constraints("answers")}
    assert "uq_answers_respondent_bank_id_study_key_item_id_epoch" in uniques


def _answer_fields(engine) -> dict[int, tuple]:
    cols = (
        AnswerRow.id,
        AnswerRow.respondent_kind,
        AnswerRow.status,
        AnswerRow.draft,
        AnswerRow.choices,
        AnswerRow.hypothesis,
        AnswerRow.confidence,
        AnswerRow.rationale,
        AnswerRow.extra,
    )
    with read_session(engine) as s:
        return {r[0]: tuple(r[1:]) for r in s.execute(select(*cols)).all()}


def _downgrade(engine, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    from hhvalues.store.db import MIGRATIONS_DIR

    with engine.begin() as conn:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_0006_sets_aside_what_stored_timeouts_held_so_they_still_score_0(
    empty_database_url, tiny_bank, clock
):
    """Issue 14: timeouts are graded on what they hold from now on; those stored before keep
    scoring 0 (their selection moved to ``extra["ungraded"]``), and a downgrade puts it back."""
    engine = make_engine(empty_database_url)
    try:
        upgrade(engine, "0005")
        with write_session(engine) as session:
            bank = import_bank(session, tiny_bank, now=clock)
        config = StudyConfig(items=2, train=0, catch=0, item_seconds=30, ask_confidence=True)
        create_study(engine, slug="s", bank_id=bank.id, config=config, now=clock, actor="test")
        late, prompt, idle = invite(engine, "s", 3, now=clock, actor="test")
        for token in (late, prompt, idle):
            consent(engine, token, now=clock)
            start_session(engine, token, now=clock)
        view = current_step(engine, late, now=clock).item
        chosen = {p.id: "A" for p in view.item.probes}
        save_draft(
            engine,
            late,
            view.item.id,
            choices=chosen,
            confidence={p: 0.9 for p in chosen},
            rationale="ran out",
            now=clock,
        )
        ok_view = current_step(engine, prompt, now=clock).item
        submit(engine, prompt, ok_view.item.id, choices=chosen, now=clock)
        current_step(engine, idle, now=clock)  # shown, nothing selected
        model = Answer(
            "model:x/y/direct", "i1", 0, {"p1": "A"}, {"flowers": 1.0}, None, Status.TIMEOUT
        )
        with write_session(engine) as session:
            record_answers(session, [model], bank_id=bank.id, now=clock)
        clock.advance(45)
        assert sweep_timeouts(engine, now=clock) == 2  # the late and the idle participant
        before = _answer_fields(engine)
        timeouts = {k for k, v in before.items() if v[1] == "timeout"}
        holding = {k for k in timeouts if before[k][3] or before[k][4]}
        assert len(timeouts) == 3 and len(holding) == 2  # the idle one holds nothing

        upgrade(engine)
        assert current_revision(engine) == _head()  # 0006 and any later revision
        after = _answer_fields(engine)
        for k, old in before.items():
            if k not in holding:
                assert after[k] == old, "an answer that held nothing to set aside changed"
                continue
            kind, status, draft, choices, hypothesis, confidence, rationale, extra = after[k]
            assert (kind, status, draft, rationale) == (old[0], "timeout", False, old[6])
            assert (choices, hypothesis, confidence) == ({}, None, None)
            kept = extra["ungraded"]
            assert (kept["choices"], kept["hypothesis"], kept["confidence"]) == old[3:6]
            assert "0006" in kept["note"]
        # graded now, the stored timeouts still score 0: nothing gradable is left in them
        study = load_study_answers(engine, "s", now=clock)
        graded = grade(tiny_bank, study.answers)  # the model's answer to the bank included
        voided = graded_status_of(graded, Status.TIMEOUT)
        assert voided.any() and not graded.correct[voided].any()
        assert graded.unanswered[voided].all()

        _downgrade(engine, "0005")
        assert _answer_fields(engine) == before
    finally:
        engine.dispose()


def graded_status_of(graded, status: Status):
    """Rows of ``graded`` whose answer has ``status``."""
    from hhvalues.core.scoring import STATUSES

    return graded.status == STATUSES.index(status)
