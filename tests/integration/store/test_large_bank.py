"""A bank too large for the reference agents at import (issue 16 item 9): they answer, on first
need, the items a study's answers cover, and are stored then."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import text

from hhvalues.core.bank import Bank, Split
from hhvalues.store.analysis import load_study_answers
from hhvalues.store.db import (
    REFERENCE_AT_IMPORT,
    import_bank,
    read_session,
    scored_items,
    write_session,
)
from hhvalues.store.participation import consent, current_step, start_session, submit
from hhvalues.store.studies import StudyConfig, create_study, invite


def _large(bank: Bank) -> Bank:
    """The bank's items copied under new ids until it has more than REFERENCE_AT_IMPORT test
    and catch items."""
    copies = REFERENCE_AT_IMPORT // scored_items(bank) + 1
    items = tuple(replace(it, id=f"{it.id}-{k}") for k in range(copies) for it in bank.items)
    return replace(bank, name="large", items=items)


def _agents(engine) -> list[tuple[str, str]]:
    with read_session(engine) as s:
        sql = "SELECT respondent, item_id FROM answers WHERE respondent_kind = 'agent'"
        return sorted(tuple(r) for r in s.exec(text(sql)).all())


def test_a_large_banks_agents_answer_the_answered_items_when_first_read(engine, tiny_bank, clock):
    bank = _large(tiny_bank)
    with write_session(engine) as session:
        info = import_bank(session, bank, now=clock)
    assert info.items[Split.TEST.value] + info.items[Split.CATCH.value] > REFERENCE_AT_IMPORT
    assert _agents(engine) == []  # none at import
    create_study(
        engine,
        slug="s",
        bank_id=info.id,
        config=StudyConfig(items=2, train=0, catch=0),
        now=clock,
        actor="t",
    )
    assert load_study_answers(engine, "s", now=clock).agents == ()  # no answers, no agents
    [token] = invite(engine, "s", 1, now=clock, actor="t")
    consent(engine, token, now=clock)
    start_session(engine, token, now=clock)
    view = current_step(engine, token, now=clock).item
    clock.advance(5)
    submit(engine, token, view.item.id, choices={p.id: "A" for p in view.item.probes}, now=clock)
    data = load_study_answers(engine, "s", now=clock)
    assert {a.item for a in data.agents} == {view.item.id}
    assert {a.respondent for a in data.agents} == {"agent:random", "agent:heuristic", "agent:ideal"}
    stored = _agents(engine)
    assert stored == sorted((a.respondent, a.item) for a in data.agents)
    again = load_study_answers(engine, "s", now=clock)  # stored: read, not computed again
    assert again.agents == data.agents and _agents(engine) == stored
