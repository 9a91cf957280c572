"""Refusal and deferral in a model's words, when a reply carries no answer.

A reply with no readable answer is ``refused`` when its text declines to answer or defers the
judgement to a human or to the walker themselves (the published study's own example of a
refusal: production models that "defer to human judgement" instead of answering); otherwise it
is ``invalid``. Words alone do not decide: "can't", "sorry", "human" or "comfortable" also occur
in reasoning about the walks ("the walker can't reach the café without…", "a human would take
the shorter path"). Each pattern below therefore needs the *speaker* to decline (first person,
an answering verb), the judgement to be handed to someone else, or the question to be called
unanswerable about a person's values.

The patterns were written from the development half of the corpus in
``tests/data/refusals/corpus.jsonl`` (refusals, deferrals and non-refusals that merely mention
the words); precision and recall on both halves are measured by ``bench/bench_refusals.py`` and
recorded in bench/RESULTS.md, and a test keeps them there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class RefusalKind(StrEnum):
    """Why a reply without an answer counts as refused."""

    DECLINE = "decline"
    """The model says it will not or cannot answer (apology, discomfort, policy)."""
    DEFERRAL = "deferral"
    """The model hands the judgement to a human, an expert or the walker themselves."""
    UNANSWERABLE = "unanswerable"
    """The model calls a person's values unknowable from the walks and gives no answer."""


@dataclass(frozen=True, slots=True)
class RefusalMatch:
    """Where a reply refuses."""

    kind: RefusalKind
    phrase: str
    """The words that matched (for the answer's ``parse`` reason)."""


_I = r"\bI(?:'m| am|'ll| will|'d| would| must| have to| need to| just)?"
_NOT = r"(?:can't|cannot|can not|won't|will not|wouldn't|would not|shouldn't|should not)"
_UNABLE = (
    r"(?:am|'m)\s*(?:unable|not able|not going|not willing|not comfortable|uncomfortable|"
    r"not in a position|afraid I can't)"
)
_ANSWERING = (
    r"(?:help|answer|assist|provide|make|speculat|infer|guess|determin|judg|assess|comply|do\b|"
    r"participat|say\b|tell (?:you|me)|choos|pick|give|attribut|draw|assign|hazard|read|"
    r"offer|select|rate|evaluat)\w*"
)
_PERSON = (
    r"(?:a |an |the )?(?:human|humans|person|people|individual|walker|expert|professional|"
    r"qualified|someone|them|him|her|they)"
)
_VALUES = r"(?:values?|preferences?|motives?|motivations?|mind|priorities|character)"
_SOMEONES = (
    r"(?:someone's|somebody's|a person's|another person's|an individual's|people's|their|"
    r"the person's|the walker's|what (?:a person|someone|they|the person|people|the walker))"
)

_PATTERNS: tuple[tuple[RefusalKind, str], ...] = (
    # "I'm sorry, but I can't…", "I'm afraid I can't answer"
    (
        RefusalKind.DECLINE,
        r"\b(?:I'm|I am|I'?m afraid|sorry|I apologi[sz]e|apologies)\b[^.!?]{0,40}"
        rf"\b(?:{_NOT}|unable|not able|not going to)\b",
    ),
    # "I can't in good conscience pick", "I won't be able to make", "I'm not able to provide"
    (
        RefusalKind.DECLINE,
        rf"\bI\s*(?:{_NOT}|{_UNABLE}|(?:'d|would)\s+(?:rather not|prefer not to)|"
        rf"(?:do not|don't)\s+(?:want to|think I (?:can|should)))\s+"
        rf"(?:\w+\s+){{0,3}}?(?:to\s+)?{_ANSWERING}",
    ),
    # "I don't feel comfortable speculating", "I'm uncomfortable assigning values"
    (
        RefusalKind.DECLINE,
        r"\bI(?:'m| am| feel|'m not| am not| don't feel| do not feel)\s+"
        r"(?:not\s+)?(?:un)?comfortable\s+(?:with\s+)?\w+ing\b",
    ),
    # "I must respectfully decline to answer", "I need to decline this request"
    (
        RefusalKind.DECLINE,
        rf"{_I}\s+(?:going to\s+)?(?:respectfully\s+)?(?:decline|refuse|abstain|refrain)\s+"
        r"(?:to\b|from\b|this\b|that\b|the (?:request|task|question)|answering)",
    ),
    # "I'd rather not answer", "which I'd rather avoid", "I'll have to pass", "I'll skip these"
    (
        RefusalKind.DECLINE,
        r"\bI(?:'d| would) rather (?:not|avoid|abstain|pass)\b|\bI(?:'ll| will) have to pass\b|"
        r"\bpass on this\b|\bI(?:'ll| will) skip (?:these|this|the) questions?\b|"
        r"\blet's not speculate\b",
    ),
    # "It wouldn't be appropriate for me to…", "it's not right for me to", "not my place"
    (
        RefusalKind.DECLINE,
        r"(?:\bnot|n't|\bin)\b[^.!?]{0,20}?(?:appropriate|right|ethical|fair) for me to\b|"
        r"\binappropriate for me\b",
    ),
    # "That's not something I'm willing to guess about", "isn't something I can do"
    (
        RefusalKind.DECLINE,
        r"(?:\bnot|n't) something I(?:'m| am)?\s*(?:should|can|could|want|willing|comfortable)\b",
    ),
    # "I don't make guesses about individuals", "My guidelines don't allow me", "designed to avoid"
    (
        RefusalKind.DECLINE,
        r"\bI (?:don't|do not) make (?:guesses|judgments|judgements|assumptions|inferences)\b|"
        r"\b(?:guidelines|policy|policies|principles) (?:don't|do not|doesn't|does not) "
        r"(?:allow|permit) me\b|\bdesigned to avoid (?:making )?(?:assumptions|judgments|judgements)",
    ),
    # "It's not my place to say", "I don't think it's my role to judge"
    (RefusalKind.DEFERRAL, r"(?:\bnot|n't)\b[^.!?]{0,25}\bmy (?:place|role) to\b"),
    # "best left to a human", "I'll leave this to them", "I'd rather leave to humans"
    (
        RefusalKind.DEFERRAL,
        rf"\b(?:best|better) left to {_PERSON}|\bleave (?:\w+\s+){{0,2}}?to {_PERSON}\b",
    ),
    # "That is for them to say", "That's for the walker to decide", "up to the individual to say"
    (
        RefusalKind.DEFERRAL,
        rf"\b(?:is|'s|are) for {_PERSON}(?: themselves)? to (?:say|decide|tell|judge|answer)\b|"
        rf"\bup to {_PERSON} to (?:say|decide|tell|judge)\b|\btheirs to (?:decide|say)\b",
    ),
    # "Only the person themselves can really know", "only they could tell you"
    (
        RefusalKind.DEFERRAL,
        r"\bonly (?:they|the person|the individual|that person|he|she|the walker)"
        r"(?: themselves| themself| himself| herself)? (?:can|could|would|really)\b[^.!?]{0,20}"
        r"\b(?:know|say|tell|decide|answer)\b",
    ),
    # "ask the walker directly", "speaking with the person", "defer to human judgement"
    (
        RefusalKind.DEFERRAL,
        r"\b(?:ask|asking|consult|consulting|check with|checking with|"
        r"speak(?:ing)? (?:to|with)|talk(?:ing)? (?:to|with)|defer(?:ring)? to)\s+"
        r"(?:a |an |the )?(?:person|walker|individual|them|human|humans|expert|professional|"
        r"someone who)\b",
    ),
    # "a question for a human evaluator", "should be made by a person", "better placed"
    (
        RefusalKind.DEFERRAL,
        r"\b(?:question|task|decision|judgement|judgment|assessment)s?\b[^.!?]{0,40}"
        r"\b(?:for|made by|put to) (?:a |an |the |that )?(?:human|person)\b|"
        r"\bbetter (?:placed|suited|answered|judged|positioned)\b[^.!?]{0,30}\b(?:human|person|"
        r"someone)\b|\b(?:human|person)\b[^.!?]{0,30}\bbetter (?:placed|suited|positioned)\b|"
        r"\bhuman reviewer\b|\bonly authority on\b",
    ),
    # "There's no way to reliably determine what a person values", "can't know what's in
    # someone's mind", "impossible to know someone's values"
    (
        RefusalKind.UNANSWERABLE,
        r"\b(?:no way to|impossible to|not possible to|cannot|can't|can not|no one can)\s+"
        r"(?:\w+ly\s+)?(?:know|infer|determine|judge|tell|read)\s+"
        rf"(?:\w+\s+){{0,2}}?{_SOMEONES}(?:\s+\w+){{0,3}}?\s+{_VALUES}",
    ),
)
_REGEX = [(kind, re.compile(p, re.IGNORECASE)) for kind, p in _PATTERNS]
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def find_refusal(text: str) -> RefusalMatch | None:
    """The first refusal or deferral in ``text`` (a reply with no answer), or None."""
    plain = text.translate(_QUOTES)
    best: tuple[int, RefusalKind, str] | None = None
    for kind, regex in _REGEX:
        m = regex.search(plain)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), kind, m.group(0))
    return None if best is None else RefusalMatch(best[1], best[2])


__all__ = ["RefusalKind", "RefusalMatch", "find_refusal"]
