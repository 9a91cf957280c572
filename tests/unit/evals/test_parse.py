"""Answer extraction: formats, statuses, refusal classes, and that it never raises."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hhvalues.core.answers import Status
from hhvalues.evals.parse import parse_reply, side_from_text

PROBES = ["p1", "p2", "p3"]
FEATURES = {"flowers": "flowers", "flower bed": "flowers", "cafe": "cafe", "café": "cafe"}


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("A", "A"),
        ("b", "B"),
        ("Option B", "B"),
        ("option a", "A"),
        ("(B)", "B"),
        ("the second path", "B"),
        ("Path A", "A"),
        ("I choose B", "B"),
        ("the first one", "A"),
        ("second, not the first", "B"),
        ("a guess", None),
        ("Bus", None),
        ("", None),
    ],
)
def test_side_from_text(text: str, side: str | None) -> None:
    assert side_from_text(text) == side


def test_clean_json() -> None:
    reply = json.dumps(
        {
            "choices": {"p1": "A", "p2": "B", "p3": "A"},
            "hypothesis": {"flowers": 2, "cafe": -1},
            "confidence": {"p1": 0.9, "p2": 70},
        }
    )
    r = parse_reply(reply, PROBES, features=FEATURES)
    assert r.status is Status.OK
    assert r.choices == {"p1": "A", "p2": "B", "p3": "A"}
    assert r.hypothesis == {"flowers": 2.0, "cafe": -1.0}
    assert r.confidence == {"p1": 0.9, "p2": 0.7}
    assert not r.lazy


def test_fenced_json_in_prose_and_last_object_wins() -> None:
    reply = (
        'First guess: {"choices": {"p1": "A"}}. On reflection the walker avoids flowers.\n'
        '```json\n{"choices": {"p1": "Option B", "p2": "the first path", '
        '"p3": {"choice": "b", "confidence": 0.6}}}\n```\nThat is my answer.'
    )
    r = parse_reply(reply, PROBES)
    assert r.status is Status.OK
    assert r.choices == {"p1": "B", "p2": "A", "p3": "B"}
    assert r.confidence == {"p3": 0.6}
    assert "```" not in r.rationale and "That is my answer." in r.rationale


def test_lenient_json_and_labels() -> None:
    r = parse_reply(
        "{'answers': {'P1': 'A', 'p2': 'B',}, 'hypothesis': {'flower bed': '1.5', 'unknown': 3},}",
        PROBES,
        features=FEATURES,
    )
    assert r.status is Status.OK
    assert r.choices == {"p1": "A", "p2": "B", "p3": None}
    assert r.hypothesis == {"flowers": 1.5}


def test_prose_fallback() -> None:
    r = parse_reply("Thinking...\n- p1: Option B\n- p2 = the second path\n", PROBES)
    assert r.status is Status.OK and r.choices == {"p1": "B", "p2": "B", "p3": None}


@pytest.mark.parametrize(
    "text",
    [
        "Question p1: B\nQuestion p2: Option A\nQuestion p3: the first path",
        "**p1**: B\n**p2:** A\n* p3 - Path A",
        "- Probe p1 - the second path\n- p2) A\n- p3: A",
    ],
)
def test_prose_forms(text: str) -> None:
    assert parse_reply(text, PROBES).choices == {"p1": "B", "p2": "A", "p3": "A"}


@pytest.mark.parametrize(
    "text",
    [
        "I'm sorry, but I can't help with guessing what someone values.",
        (
            "I don't think it's appropriate for me to speculate. Only the person can know what they value; "
            "you should ask them directly."
        ),
        "Inferring someone's values from a walk risks stereotyping, so I will decline to answer.",
        "I cannot determine what a person values from this. Please consult a human expert.",
    ],
)
def test_refusal_text(text: str) -> None:
    r = parse_reply(text, PROBES)
    assert r.status is Status.REFUSED, r.reason


def test_refusal_signals_win_over_text() -> None:
    assert parse_reply('{"p1": "A"}', PROBES, stop_reason="refusal").status is Status.REFUSED
    assert parse_reply(None, PROBES, refusal="I can't assist").status is Status.REFUSED


def test_answer_with_hedging_is_ok() -> None:
    r = parse_reply('I can\'t be certain, but {"choices": {"p1": "A"}}', PROBES)
    assert r.status is Status.OK


def test_truncated_empty_invalid() -> None:
    assert (
        parse_reply("Let me think step by step about the", PROBES, stop_reason="max_tokens").status
        is Status.TRUNCATED
    )
    assert (
        parse_reply('{"choices": {"p1": "A", "p2"', PROBES, stop_reason="max_tokens").status
        is Status.TRUNCATED
    )
    full = '{"choices": {"p1": "A", "p2": "B", "p3": "B"}} and then more text'
    assert parse_reply(full, PROBES, stop_reason="max_tokens").status is Status.OK
    assert parse_reply("", PROBES).status is Status.EMPTY
    assert parse_reply("   \n", PROBES).status is Status.EMPTY
    assert parse_reply("%%%{{{ garbage ]]", PROBES).status is Status.INVALID
    assert parse_reply('{"choices": {"p1": "maybe"}}', PROBES).status is Status.INVALID


def test_lazy_flag() -> None:
    bare = '{"choices": {"p1": "A", "p2": "A", "p3": "B"}}'
    assert parse_reply(bare, PROBES, require_hypothesis=True).lazy
    assert parse_reply(bare, PROBES, require_reasoning=True).lazy
    reasoned = "The walker went straight past the flower bed twice to reach the café. " + bare
    assert not parse_reply(reasoned, PROBES, require_reasoning=True).lazy


_json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=6), c, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(
        st.none(), st.text(max_size=400), _json_values.map(lambda v: json.dumps(v, default=str))
    ),
    stop=st.sampled_from([None, "end", "max_tokens", "refusal", "weird"]),
    refusal=st.one_of(st.none(), st.text(max_size=20)),
    req=st.booleans(),
)
def test_never_raises(text: str | None, stop: str | None, refusal: str | None, req: bool) -> None:
    r = parse_reply(
        text,
        PROBES,
        stop_reason=stop,
        refusal=refusal,
        features=FEATURES,
        require_hypothesis=req,
        require_reasoning=req,
    )
    assert isinstance(r.status, Status)
    assert set(r.choices) == set(PROBES)
    assert all(v in ("A", "B", None) for v in r.choices.values())
    if r.confidence:
        assert all(0.5 <= v <= 1.0 for v in r.confidence.values())
    if r.hypothesis:
        assert set(r.hypothesis) <= {"flowers", "cafe"}


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.text(max_size=200),
    suffix=st.text(max_size=200),
    sides=st.lists(st.sampled_from("AB"), min_size=3, max_size=3),
)
def test_answer_survives_surrounding_prose(prefix: str, suffix: str, sides: list[str]) -> None:
    answer = json.dumps({"choices": dict(zip(PROBES, sides, strict=True))})
    r = parse_reply(f"{prefix.replace('{', '(')}\n{answer}\n{suffix.replace('{', '(')}", PROBES)
    assert r.status is Status.OK
    assert [r.choices[p] for p in PROBES] == sides


def test_pathological_inputs_are_fast() -> None:
    for text in ["{" * 50_000, '{"a":' * 5000, "[" * 10_000 + "{", "x" * 300_000]:
        assert parse_reply(text, PROBES).status is Status.INVALID
