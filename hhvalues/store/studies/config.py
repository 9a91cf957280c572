"""Study configuration: what a participant is asked, for how long, and what happens at the end.

A configuration is a frozen value stored as a JSON snapshot with a version number; a study
keeps every version it has had, and each participant and answer records the one it ran under.

:data:`STUDY_LIMITS` is the one statement of each numeric field's allowed range: the store
refuses a configuration outside it when a study is created or edited
(:meth:`StudyConfig.check_limits`), the CLI builds its option types from it and the console its
input bounds. Snapshots stored before a limit existed still load.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from hhvalues.errors import InputError

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
DEFAULT_CONSENT = (
    "You are invited to take part in a research study on how people infer what others value "
    "from how they act. You will watch short walks through small grid worlds and answer "
    "questions about them. Taking part is voluntary; you may stop at any time. Your answers are "
    "stored without your name and used for research only."
)


class Mode(StrEnum):
    """What a participant answers: probe choices, a weight per feature, or both."""

    PROBES = "probes"
    HYPOTHESIS = "hypothesis"
    BOTH = "both"


class StudyKind(StrEnum):
    """What participants do in a study (``demonstrate`` is recorded walks, a later issue)."""

    ANSWER = "answer"
    DEMONSTRATE = "demonstrate"


class StudyStatus(StrEnum):
    """Whether new participants may enrol and answer."""

    OPEN = "open"
    CLOSED = "closed"


class ParticipantState(StrEnum):
    """Where a participant is in the study."""

    INVITED = "invited"
    CONSENTED = "consented"
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"
    TIMED_OUT = "timed_out"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class Limit:
    """The allowed range of one numeric configuration field, both ends included."""

    low: float
    high: float
    integer: bool = False
    """Whether the field holds whole numbers."""

    def check(self, name: str, value: float, *, where: str = "study config") -> None:
        """InputError naming the field and its range when ``value`` is outside it."""
        if not (math.isfinite(value) and self.low <= value <= self.high):
            raise InputError(
                f"{name} must be between {self.low:g} and {self.high:g}, got {value:g}", where=where
            )


STUDY_LIMITS: Mapping[str, Limit] = MappingProxyType(
    {
        "items": Limit(0, 1000, integer=True),
        "train": Limit(0, 100, integer=True),
        "catch": Limit(0, 100, integer=True),
        "item_seconds": Limit(5, 3600),
        "session_minutes": Limit(1, 600),
        "min_answer_seconds": Limit(0, 600),
        "catch_warn": Limit(1, 100, integer=True),
        "catch_exclude": Limit(1, 100, integer=True),
        "seed": Limit(0, 2**31 - 1, integer=True),
    }
)
"""Field → allowed range, for every numeric field of :class:`StudyConfig` (``items`` may also be
None: every test item)."""


@dataclass(frozen=True, slots=True)
class IntakeQuestion:
    """One question asked after consent (e.g. highest degree, field, prior experience)."""

    id: str
    """Key under which the answer is stored."""
    label: str
    """The question as shown."""
    options: tuple[str, ...] = ()
    """Allowed answers; empty means free text."""
    required: bool = True
    """Whether an empty answer is refused."""


@dataclass(frozen=True, slots=True)
class StudyConfig:
    """The configuration of one study version."""

    items: int | None = None
    """Test items per participant (None: every test item of the bank)."""
    train: int = 0
    """Training items, shown first, each followed by feedback."""
    catch: int = 0
    """Catch (attention-check) items, shuffled among the test items."""
    item_seconds: float = 120.0
    """Time limit per test or catch item (training items are untimed)."""
    session_minutes: float = 60.0
    """Time limit for the whole session, counted from the start button."""
    mode: Mode = Mode.PROBES
    """Probe choices, hypothesis sliders, or both."""
    ask_confidence: bool = False
    """Ask a confidence (0.5..1) per probe."""
    ask_rationale: bool = False
    """Ask for a free-text rationale per item."""
    min_answer_seconds: float = 3.0
    """Answers faster than this are flagged ``fast``."""
    catch_warn: int = 1
    """Catch failures at which the participant is flagged ``warn``."""
    catch_exclude: int = 2
    """Catch failures at which the participant is flagged ``exclude``."""
    consent_text: str = DEFAULT_CONSENT
    """Shown on the consent page."""
    intake: tuple[IntakeQuestion, ...] = ()
    """Questions asked after consent."""
    completion_code: str = ""
    """Shown after the last answer is committed."""
    redirect_url: str | None = None
    """Where to send the participant at the end (e.g. Prolific's completion URL)."""
    contact: str = ""
    """How participants reach the researcher (an e-mail address, a platform's message
    function), shown wherever a participant is told to contact the researcher."""
    decline_code: str = ""
    """Shown to a participant who declines consent (e.g. Prolific's "no consent" code)."""
    decline_url: str | None = None
    """Where to send a participant who declines consent (e.g. Prolific's return URL)."""
    seed: int = 0
    """Seed of item order and A/B sides (combined with the participant id)."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Keys of later versions, kept as given."""

    def __post_init__(self) -> None:
        checks = [
            (self.items is None or self.items >= 0, "items must be ≥ 0"),
            (self.train >= 0 and self.catch >= 0, "train and catch must be ≥ 0"),
            (_pos(self.item_seconds), "item_seconds must be a positive number"),
            (_pos(self.session_minutes), "session_minutes must be a positive number"),
            (
                math.isfinite(self.min_answer_seconds) and self.min_answer_seconds >= 0,
                "min_answer_seconds must be ≥ 0",
            ),
            (1 <= self.catch_warn <= self.catch_exclude, "need 1 ≤ catch_warn ≤ catch_exclude"),
            (len({q.id for q in self.intake}) == len(self.intake), "intake question ids repeat"),
        ]
        for ok, message in checks:
            if not ok:
                raise InputError(message, where="study config")

    def check_limits(self) -> None:
        """InputError naming the first field outside :data:`STUDY_LIMITS`, or a redirect URL
        that is not an http(s) address (:func:`check_redirect_url`); checked on every create
        and edit, stored snapshots are read without it."""
        for name, limit in STUDY_LIMITS.items():
            value = getattr(self, name)
            if value is not None:
                limit.check(name, value)
        check_redirect_url(self.redirect_url)
        check_redirect_url(self.decline_url)

    @property
    def asks_choices(self) -> bool:
        """Whether probes are answered with A/B choices."""
        return self.mode is not Mode.HYPOTHESIS

    @property
    def asks_hypothesis(self) -> bool:
        """Whether a weight per feature is asked."""
        return self.mode is not Mode.PROBES

    def with_changes(self, **changes: Any) -> StudyConfig:
        """A copy with some fields replaced (validated)."""
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """The stored snapshot."""
        out = asdict(self)
        out["mode"] = self.mode.value
        out["intake"] = [asdict(q) | {"options": list(q.options)} for q in self.intake]
        out.update(out.pop("extra"))
        return out


INTAKE_FORMAT = "id | question | option; option; … | optional"
"""How intake questions are written, one a line (the CLI's ``--intake`` file, the console's
box): the options part may be empty (free text); ``optional`` at the end lets it be left blank."""
_INTAKE_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def parse_intake(text: str, *, where: str = "intake") -> tuple[IntakeQuestion, ...]:
    """Intake questions from lines of :data:`INTAKE_FORMAT` (blank lines and ``#`` comments
    skipped): ``degree | Your highest degree | none; BSc; MSc; PhD``. InputError naming the line."""
    out: list[IntakeQuestion] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        optional = len(parts) > 2 and parts[-1].lower() == "optional"
        if optional:
            parts = parts[:-1]
        if len(parts) not in (2, 3) or not parts[1]:
            raise InputError(
                f"line {n}: write a question as '{INTAKE_FORMAT}', got {line!r}", where=where
            )
        qid, label = parts[0], parts[1]
        if not _INTAKE_ID.match(qid):
            raise InputError(
                f"line {n}: question id {qid!r} must be 1-40 letters, digits, '-' or '_'",
                where=where,
            )
        options = (
            tuple(o.strip() for o in parts[2].split(";") if o.strip()) if len(parts) == 3 else ()
        )
        if len(set(options)) != len(options):
            raise InputError(f"line {n}: question {qid!r} repeats an option", where=where)
        if any(q.id == qid for q in out):
            raise InputError(f"line {n}: question id {qid!r} is used twice", where=where)
        out.append(IntakeQuestion(qid, label, options, not optional))
    return tuple(out)


def format_intake(questions: tuple[IntakeQuestion, ...]) -> str:
    """The lines :func:`parse_intake` reads back as ``questions``."""
    return "\n".join(
        " | ".join([q.id, q.label, "; ".join(q.options)] + ([] if q.required else ["optional"]))
        for q in questions
    )


def check_redirect_url(url: str | None) -> None:
    """InputError unless ``url`` is None or an absolute ``http://`` or ``https://`` address
    with a host: participants are sent there at the end, so ``javascript:``, ``data:`` or a
    relative path would give them a dead (or worse) button."""
    if url is None:
        return
    parts = urlsplit(url)
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() or not c.isprintable() for c in url)
    ):
        raise InputError(
            f"the redirect URL must be an http:// or https:// address, got {url!r}",
            where="study config",
        )


def _pos(x: float) -> bool:
    return math.isfinite(x) and x > 0


def parse_config(doc: Mapping[str, Any]) -> StudyConfig:
    """Read a stored snapshot (unknown keys kept in ``extra``); InputError when malformed."""
    names = set(StudyConfig.__dataclass_fields__) - {"extra"}
    known = {k: v for k, v in doc.items() if k in names}
    try:
        if "mode" in known:
            known["mode"] = Mode(known["mode"])
        if "intake" in known:
            known["intake"] = tuple(
                IntakeQuestion(
                    str(q["id"]),
                    str(q["label"]),
                    tuple(str(o) for o in q.get("options", ())),
                    bool(q.get("required", True)),
                )
                for q in known["intake"]
            )
        return StudyConfig(**known, extra={k: v for k, v in doc.items() if k not in names})
    except (TypeError, ValueError, KeyError) as exc:
        raise InputError(f"malformed configuration ({exc})", where="study config") from None


def check_slug(slug: str) -> str:
    """The slug if it is a valid study name; InputError otherwise."""
    if not SLUG_PATTERN.match(slug):
        raise InputError(
            f"study name {slug!r} must be 1-63 characters of a-z, 0-9, '-' or '_', "
            "starting with a letter or digit"
        )
    return slug


__all__ = [
    "DEFAULT_CONSENT",
    "INTAKE_FORMAT",
    "SLUG_PATTERN",
    "STUDY_LIMITS",
    "IntakeQuestion",
    "Limit",
    "Mode",
    "ParticipantState",
    "StudyConfig",
    "StudyKind",
    "StudyStatus",
    "check_redirect_url",
    "check_slug",
    "format_intake",
    "parse_config",
    "parse_intake",
]
