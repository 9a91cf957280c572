"""Ids are a safe, printable ASCII set (issue 16 item 8): banks, items, probes, features and
respondents with bidirectional overrides, zero-width characters or HTML are refused."""

from __future__ import annotations

import copy
import json
import re

import pytest

from hhvalues.core.answer_lines import read_answer_fast
from hhvalues.core.answers import make_respondent, parse_answer
from hhvalues.core.bank import parse_bank
from hhvalues.core.ids import id_problem, is_safe_id
from hhvalues.errors import AnswersError, BankError
from tests.conftest import TINY_BANK

BAD = {
    "x\u202eevil": "U+202E (RIGHT-TO-LEFT OVERRIDE)",
    "x\u2066y": "U+2066 (LEFT-TO-RIGHT ISOLATE)",
    "a\u200bb": "U+200B (ZERO WIDTH SPACE)",
    "a\u200db": "U+200D (ZERO WIDTH JOINER)",
    "\ufeffa": "U+FEFF (ZERO WIDTH NO-BREAK SPACE)",
    "<script>": "'<'",
    "a&b": "'&'",
    'a"b': "'\"'",
    "a b": "U+0020 (SPACE)",
    "p\u0430ypal": "U+0430 (CYRILLIC SMALL LETTER A)",
    "a\nb": "U+000A",
    "-flag": "'-'",
}
GOOD = [
    "t001",
    "p1",
    "flowers",
    "human:demo/12",
    "model:openai/gpt-4o-2024-08-06/direct",
    "model:ollama/llama3:8b/few-shot-3",
    "model:vertex/claude-3@20240620/x+y=z",
    "A",
]


@pytest.mark.parametrize("value", GOOD)
def test_safe_ids_pass(value: str) -> None:
    assert is_safe_id(value) and id_problem(value) is None


@pytest.mark.parametrize("value", sorted(BAD))
def test_unsafe_ids_are_refused_naming_the_character_without_showing_it(value: str) -> None:
    problem = id_problem(value)
    assert problem is not None and not is_safe_id(value)
    assert BAD[value] in problem
    assert problem.isascii() and all(c.isprintable() for c in problem)


def test_too_long_and_empty_ids_are_refused() -> None:
    assert id_problem("a" * 201) == "is longer than 200 characters"
    assert id_problem("") == "is empty"


def _bank() -> dict:
    return json.loads(TINY_BANK.read_text())


@pytest.mark.parametrize(
    "where, set_id",
    [
        ("the bank's name", lambda d, v: d.__setitem__("name", v)),
        ("the bank's version", lambda d, v: d.__setitem__("version", v)),
        ("feature id", lambda d, v: d["features"][0].__setitem__("id", v)),
        ("item #1's id", lambda d, v: d["items"][0].__setitem__("id", v)),
        ("probe id", lambda d, v: d["items"][0]["probes"][0].__setitem__("id", v)),
    ],
)
@pytest.mark.parametrize("value", ["t\u202e1", "t\u200b1", "<b>t1</b>"])
def test_a_bank_with_an_unsafe_id_is_refused(where, set_id, value) -> None:
    doc = copy.deepcopy(_bank())
    parse_bank(doc)  # the bank is valid as it is
    set_id(doc, value)
    with pytest.raises(BankError, match=f"(^|: ){re.escape(where)} "):
        parse_bank(doc)


@pytest.mark.parametrize("field", ["respondent", "item"])
@pytest.mark.parametrize("value", ["agent:x\u202e1", "agent:x\u200b1", "agent:<img src=x>"])
def test_an_answer_with_an_unsafe_respondent_or_item_is_refused_on_both_paths(field, value):
    doc = {"respondent": "agent:x", "item": "t001", "choices": {"p1": "A"}}
    assert read_answer_fast(doc) is not None
    doc[field] = value if field == "respondent" else value.removeprefix("agent:")
    assert read_answer_fast(doc) is None  # the fast path defers to the full parser
    with pytest.raises(AnswersError, match=field):
        parse_answer(doc)


def test_make_respondent_refuses_an_unsafe_name() -> None:
    assert make_respondent("model", "openai/gpt-4o/direct") == "model:openai/gpt-4o/direct"
    with pytest.raises(ValueError, match="U\\+202E"):
        make_respondent("model", "openai/gpt\u202e/direct")
