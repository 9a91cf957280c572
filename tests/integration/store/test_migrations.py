from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from hhvalues.store.db import current_revision, make_engine, metadata, upgrade

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
