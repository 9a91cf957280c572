"""Answer extraction from a model reply: tolerant, never raises, and names why.

The prompt asks for a final JSON object ``{"choices": {probe: "A"|"B"}, "hypothesis": {...},
"confidence": {...}}``. Replies drift from that, so :func:`parse_reply` accepts:

- the JSON inside a code fence, or bare JSON with prose around it (the *last* object that
  carries an answer wins, so a reply that revises itself is read at its end);
- choices under ``choices``/``answers``/``answer`` or as top-level probe keys, each as a letter,
  as words ("Option B", "the second path", "path A") or as ``{"choice": ..., "confidence": ...}``;
- lenient JSON (trailing commas, single quotes, Python ``True``/``None``);
- failing all JSON, lines such as ``p1: Option B`` in prose.

Statuses (docs/formats.md §2): ``refused`` on a provider refusal signal (Anthropic ``stop_reason``
"refusal", OpenAI ``refusal`` field or ``content_filter``), or when no answer was found and the
text declines or defers the judgement (:mod:`hhvalues.evals.refusal`); ``truncated`` when the model hit its token limit
before a complete answer; ``empty``; ``invalid`` when no answer could be read; otherwise ``ok``.
``lazy`` marks an ok answer that lacks a hypothesis or reasoning the condition asked for.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hhvalues.core.answers import Status
from hhvalues.core.probes import Choice
from hhvalues.evals.refusal import find_refusal

MAX_SCAN_CHARS = 200_000
"""Replies longer than this are scanned only in their last part (answers come last)."""
MIN_REASONING_CHARS = 40
"""Reasoning shorter than this, outside the JSON, counts as none for the ``lazy`` flag."""

STOP_END, STOP_MAX_TOKENS, STOP_REFUSAL = "end", "max_tokens", "refusal"
"""Normalised stop reasons the providers report."""


@dataclass(frozen=True, slots=True)
class Parsed:
    """What could be read from one reply."""

    status: Status
    choices: dict[str, Choice | None] = field(default_factory=dict)
    """Probe id → side as the prompt showed it (unknown probes dropped)."""
    hypothesis: dict[str, float] | None = None
    """Feature id → weight, only known features."""
    confidence: dict[str, float] | None = None
    """Probe id → confidence in 0.5..1 (percentages scaled)."""
    rationale: str = ""
    """The reply without the answer JSON."""
    lazy: bool = False
    """Ok, but missing the hypothesis or the reasoning that was asked for."""
    reason: str = ""
    """Why the status was chosen (for the log and for debugging prompts)."""


_FENCE = re.compile(r"```[ \t]*(?:json|JSON|javascript)?[ \t]*\n?(.*?)```", re.DOTALL)
_WORD_SIDE = [
    (
        re.compile(
            r"^\W*(?:(?i:option|path|answer|choice|route|side)\s*)?\(?([AB]|[ab](?=\W*$))\)?\W*$"
        ),
        None,
    ),
    (re.compile(r"\b(?i:option|path|answer|choice|route|side)\s*\(?([ABab])\b\)?"), None),
    (
        re.compile(r"\b(?i:is|choose|chose|pick|picked|select|selected|go with)\s+\(?([AB])\b\)?"),
        None,
    ),
    (re.compile(r"\b(first|former|1st)\b", re.IGNORECASE), "A"),
    (re.compile(r"\b(second|latter|2nd)\b", re.IGNORECASE), "B"),
    (re.compile(r"^\s*\(?([AB])\)?[\s.:,)-]"), None),
]


def parse_reply(
    text: str | None,
    probe_ids: Sequence[str],
    *,
    stop_reason: str | None = None,
    refusal: str | None = None,
    features: Mapping[str, str] | None = None,
    require_hypothesis: bool = False,
    require_reasoning: bool = False,
) -> Parsed:
    """Read the answer out of a reply; never raises.

    Args:
        text: The reply text (None when the provider returned no text).
        probe_ids: The item's probe ids, as named in the prompt.
        stop_reason: Normalised: ``end``, ``max_tokens``, ``refusal`` (or None).
        refusal: A provider refusal message (OpenAI's ``refusal`` field), if any.
        features: Lower-cased alias (id or label) → feature id, for the hypothesis.
        require_hypothesis: The condition asked for a hypothesis (sets ``lazy`` if absent).
        require_reasoning: The condition asked for reasoning (sets ``lazy`` if absent).
    """
    try:
        return _parse(
            text,
            probe_ids,
            stop_reason,
            refusal,
            features or {},
            require_hypothesis,
            require_reasoning,
        )
    except Exception as exc:  # noqa: BLE001 - the parser's contract is to never raise
        return Parsed(
            Status.INVALID,
            dict.fromkeys(probe_ids),
            rationale=_s(text),
            reason=f"parser failure: {type(exc).__name__}",
        )


def _s(text: object) -> str:
    return text if isinstance(text, str) else ""


def _parse(
    text: str | None,
    probe_ids: Sequence[str],
    stop_reason: str | None,
    refusal: str | None,
    features: Mapping[str, str],
    require_hypothesis: bool,
    require_reasoning: bool,
) -> Parsed:
    text = _s(text)
    none: dict[str, Choice | None] = {p: None for p in probe_ids}
    if (refusal and refusal.strip()) or stop_reason == STOP_REFUSAL:
        why = (
            "provider refusal field"
            if refusal and refusal.strip()
            else "provider stop_reason refusal"
        )
        return Parsed(Status.REFUSED, none, rationale=text or _s(refusal), reason=why)
    truncated = stop_reason == STOP_MAX_TOKENS
    if not text.strip():
        if truncated:
            return Parsed(Status.TRUNCATED, none, reason="hit max tokens with no text")
        return Parsed(Status.EMPTY, none, reason="no text")
    scan = text[-MAX_SCAN_CHARS:]
    found = _find_answer(scan, probe_ids, features)
    how = "json"
    if found is None:
        prose = _prose_choices(scan, probe_ids)
        if prose:
            found = _Found(prose, None, None, (0, 0))
            how = "prose"
    if found is None or not any(v is not None for v in found.choices.values()):
        if truncated:
            return Parsed(
                Status.TRUNCATED, none, rationale=text, reason="hit max tokens before an answer"
            )
        refusal_match = find_refusal(scan)
        if refusal_match is not None:
            return Parsed(
                Status.REFUSED,
                none,
                rationale=text,
                reason=f"refusal text ({refusal_match.kind}): {refusal_match.phrase!r}",
            )
        return Parsed(Status.INVALID, none, rationale=text, reason="no parseable answer")
    choices = {p: found.choices.get(p) for p in probe_ids}
    complete = all(v is not None for v in choices.values())
    if truncated and not complete:
        return Parsed(
            Status.TRUNCATED,
            choices,
            found.hypothesis,
            found.confidence,
            text,
            reason="hit max tokens with an incomplete answer",
        )
    start, end = found.span
    rationale = (text[:start] + text[end:]).strip() if how == "json" else text.strip()
    missing = []
    if require_hypothesis and not found.hypothesis:
        missing.append("hypothesis")
    if require_reasoning and len(rationale) < MIN_REASONING_CHARS:
        missing.append("reasoning")
    reason = f"{how} answer" + ("" if complete else ", some probes unanswered")
    if missing:
        reason += ", missing " + " and ".join(missing)
    if truncated:
        reason += ", hit max tokens after a complete answer"
    return Parsed(
        Status.OK,
        choices,
        found.hypothesis,
        found.confidence,
        rationale,
        lazy=bool(missing),
        reason=reason,
    )


@dataclass(frozen=True, slots=True)
class _Found:
    choices: dict[str, Choice | None]
    hypothesis: dict[str, float] | None
    confidence: dict[str, float] | None
    span: tuple[int, int]


def _find_answer(text: str, probe_ids: Sequence[str], features: Mapping[str, str]) -> _Found | None:
    """The last JSON object in the text that carries at least one choice."""
    objects = _iter_objects(text)
    best: _Found | None = None
    for obj, span in objects:
        found = _read_object(obj, probe_ids, features, span)
        if found is not None and (best is None or span[0] >= best.span[0]):
            best = found
    if best is None:
        return None
    start, end = best.span
    for _, (s, e) in objects:  # strip an enclosing code fence from the rationale too
        if s <= start and e >= end:
            start, end = s, e
    return _Found(best.choices, best.hypothesis, best.confidence, (start, end))


def _iter_objects(text: str) -> list[tuple[dict[str, Any], tuple[int, int]]]:
    out: list[tuple[dict[str, Any], tuple[int, int]]] = []
    for m in _FENCE.finditer(text):
        body = m.group(1)
        obj = _loads_lenient(body.strip())
        if isinstance(obj, dict):
            out.append((obj, m.span()))
    decoder = json.JSONDecoder()
    closing = _match_braces(text)
    i, tries = text.find("{"), 0
    while i != -1 and tries < 2000:
        tries += 1
        found: Any = None
        end = i
        try:
            found, end = decoder.raw_decode(text, i)
        except (ValueError, RecursionError):
            close = closing.get(i)
            if close is not None:
                found, end = _loads_lenient(text[i : close + 1]), close + 1
        if isinstance(found, dict):
            out.append((found, (i, end)))
            i = text.find("{", end)
        else:
            i = text.find("{", i + 1)
    return out


def _match_braces(text: str) -> dict[int, int]:
    """Position of each ``{`` → its matching ``}``, in one pass (double-quoted strings skipped)."""
    out: dict[int, int] = {}
    stack: list[int] = []
    in_str = escape = False
    for j, c in enumerate(text):
        if in_str:
            if escape:
                escape = False
            elif c == "\\":
                escape = True
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c == "{":
            stack.append(j)
        elif c == "}" and stack:
            out[stack.pop()] = j
    return out


_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _loads_lenient(body: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        pass
    fixed = _TRAILING_COMMA.sub(r"\1", body)
    try:
        return json.loads(fixed)
    except (ValueError, RecursionError):
        pass
    if len(fixed) > 20_000:
        return None
    try:
        py = re.sub(
            r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", re.sub(r"\bnull\b", "None", fixed))
        )
        return ast.literal_eval(py)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return None


def _read_object(
    obj: dict[str, Any],
    probe_ids: Sequence[str],
    features: Mapping[str, str],
    span: tuple[int, int],
) -> _Found | None:
    lower = {str(k).strip().lower(): v for k, v in obj.items()}
    raw = next(
        (
            lower[k]
            for k in ("choices", "answers", "answer", "choice", "predictions")
            if isinstance(lower.get(k), dict)
        ),
        obj,
    )
    by_probe = {str(k).strip().lower(): v for k, v in raw.items()}
    choices: dict[str, Choice | None] = {}
    confidence: dict[str, float] = {}
    for pid in probe_ids:
        value = by_probe.get(pid.lower())
        if isinstance(value, dict):
            vl = {str(k).lower(): v for k, v in value.items()}
            c = _confidence(vl.get("confidence"))
            if c is not None:
                confidence[pid] = c
            value = vl.get("choice", vl.get("answer"))
        choices[pid] = side_from_text(value) if isinstance(value, str) else None
    if not any(v is not None for v in choices.values()):
        return None
    conf_raw = lower.get("confidence")
    if isinstance(conf_raw, dict):
        for k, v in conf_raw.items():
            match = next((p for p in probe_ids if p.lower() == str(k).strip().lower()), None)
            c = _confidence(v)
            if match is not None and c is not None:
                confidence[match] = c
    hypothesis = _hypothesis(
        lower.get("hypothesis", lower.get("weights", lower.get("values"))), features
    )
    return _Found(choices, hypothesis, confidence or None, span)


def side_from_text(value: str) -> Choice | None:
    """Read A/B from a short phrase: "B", "Option A", "(b)", "the second path"; None if unclear."""
    s = value.strip()[:200]
    best: tuple[int, Choice] | None = None
    for pattern, side in _WORD_SIDE:
        m = pattern.search(s)
        if m and (best is None or m.start() < best[0]):
            got = side or m.group(1).upper()
            best = (m.start(), "A" if got == "A" else "B")
    return best[1] if best else None


def _confidence(raw: object) -> float | None:
    if isinstance(raw, str):
        try:
            raw = float(raw.strip().rstrip("%"))
        except ValueError:
            return None
    if not isinstance(raw, (int, float)) or isinstance(raw, bool) or not math.isfinite(raw):
        return None
    v = float(raw) / 100.0 if 1.0 < raw <= 100.0 else float(raw)
    return v if 0.5 <= v <= 1.0 else None


def _hypothesis(raw: object, features: Mapping[str, str]) -> dict[str, float] | None:
    if not isinstance(raw, dict):
        return None
    out: dict[str, float] = {}
    for k, v in raw.items():
        fid = features.get(str(k).strip().lower()) if features else str(k)
        if isinstance(v, str):
            try:
                v = float(v)
            except ValueError:
                continue
        if fid is None or not isinstance(v, (int, float)) or isinstance(v, bool):
            continue
        if math.isfinite(v):
            out[fid] = float(v)
    return out or None


def _prose_choices(text: str, probe_ids: Sequence[str]) -> dict[str, Choice | None]:
    out: dict[str, Choice | None] = {}
    tail = text[-20_000:]
    for pid in probe_ids:
        pat = re.compile(
            rf"(?im)^[\s*#>-]*(?:(?:question|probe)\s+)?{re.escape(pid)}\b[*_]*\s*"
            rf"[:=\-–)]\s*[*_]*(.{{1,80}})$"
        )
        hits = pat.findall(tail)
        side = side_from_text(hits[-1]) if hits else None
        if side is not None:
            out[pid] = side
    return out


__all__ = ["STOP_END", "STOP_MAX_TOKENS", "STOP_REFUSAL", "Parsed", "parse_reply", "side_from_text"]
