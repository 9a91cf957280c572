"""Prompt conditions: a TOML file → frozen :class:`Condition` values.

File layout::

    [defaults]              # optional; every key of a condition may be set here
    max_tokens = 2048
    epochs = 3

    [conditions.baseline]   # one table per condition, named by its key
    prompt = "direct"
    temperature = 1.0

An unknown key, a wrong type or an out-of-range value is a :class:`ConditionsError` naming the
file and the key (``conditions/x.toml: conditions.t0.temprature: unknown key``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

from hhvalues.errors import ConditionsError


class PromptVariant(StrEnum):
    """How the model is asked to work (the published study's prompt conditions)."""

    DIRECT = "direct"
    STRUCTURED = "structured"
    """Hypothesis generation → trajectory evaluation → reward refinement."""
    STEP_BY_STEP = "step-by-step"
    NO_SHORTCUTS = "no-shortcuts"


RESERVED_PARAMS = frozenset(
    {"model", "messages", "system", "max_tokens", "max_completion_tokens", "temperature"}
)
"""Request-body keys a condition sets through its own validated fields (or the request itself
does): ``params`` may not name them, so nothing can silently replace, say, ``temperature``."""


class Modality(StrEnum):
    """What the model is shown of an item."""

    TEXT = "text"
    IMAGE = "image"
    """The same PNGs participants see, with the questions in text."""
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class Condition:
    """One recorded, repeatable way of asking a model."""

    name: str
    """Key of the table; part of the respondent id ``model:<provider>/<model>/<name>``."""
    prompt: PromptVariant = PromptVariant.DIRECT
    system: str | None = None
    """System prompt text, or None for none."""
    temperature: float | None = None
    """None leaves the provider's default (and sends no temperature)."""
    max_tokens: int = 2048
    few_shot: int = 0
    """Number of the bank's training items shown first, with their true answers."""
    modality: Modality = Modality.TEXT
    epochs: int = 1
    seed: int = 0
    """Seeds few-shot selection and A/B order per (item, epoch)."""
    require_hypothesis: bool = False
    """Ask for a hypothesis (weight per feature); an ok answer without one is flagged lazy."""
    allow_dropped: tuple[str, ...] = ()
    """Request parameters the model may reject or the SDK may drop without failing the run."""
    params: Mapping[str, Any] = field(default_factory=dict)
    """Further request-body parameters sent as given (e.g. ``top_p``, ``reasoning_effort``)."""
    description: str = ""

    def __post_init__(self) -> None:
        clash = sorted(set(self.params) & RESERVED_PARAMS)
        if clash:
            raise ConditionsError(
                f"may not set {', '.join(clash)}: use the condition's own key",
                where=f"conditions.{self.name}.params",
            )

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values, for the run manifest."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = (
                v.value
                if isinstance(v, StrEnum)
                else (list(v) if isinstance(v, tuple) else dict(v) if isinstance(v, Mapping) else v)
            )
        return out


_KEYS = {f.name for f in fields(Condition)} - {"name"}


def load_conditions(path: str | os.PathLike[str]) -> tuple[Condition, ...]:
    """Read every condition of a TOML file, in file order."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise ConditionsError("no such file", where=str(p)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConditionsError(f"not valid TOML ({exc})", where=str(p)) from None
    except OSError as exc:
        raise ConditionsError(f"cannot read: {exc.strerror or exc}", where=str(p)) from None
    return parse_conditions(doc, source=str(p))


def parse_conditions(
    doc: Mapping[str, Any], *, source: str = "<conditions>"
) -> tuple[Condition, ...]:
    """Build conditions from a decoded TOML document; errors name ``source`` and the key."""
    for key in doc:
        if key not in ("defaults", "conditions"):
            raise ConditionsError(
                "unknown key (expected [defaults] and [conditions.NAME])", where=f"{source}: {key}"
            )
    defaults = doc.get("defaults", {})
    tables = doc.get("conditions")
    if not isinstance(defaults, dict):
        raise ConditionsError("must be a table", where=f"{source}: defaults")
    if not isinstance(tables, dict) or not tables:
        raise ConditionsError("needs at least one [conditions.NAME] table", where=source)
    _check_keys(defaults, f"{source}: defaults")
    out = []
    for name, table in tables.items():
        where = f"{source}: conditions.{name}"
        if not isinstance(table, dict):
            raise ConditionsError("must be a table", where=where)
        if not name or any(c in name for c in "/: \t"):
            raise ConditionsError(
                "a condition name may not contain '/', ':' or spaces", where=where
            )
        _check_keys(table, where)
        merged = {**defaults, **table}
        out.append(_build(name, merged, where))
    return tuple(out)


def select_conditions(
    conditions: Sequence[Condition], names: Sequence[str]
) -> tuple[Condition, ...]:
    """The named conditions (all when ``names`` is empty); ConditionsError for an unknown name."""
    if not names:
        return tuple(conditions)
    by_name = {c.name: c for c in conditions}
    for n in names:
        if n not in by_name:
            raise ConditionsError(f"no condition {n!r} (have: {', '.join(by_name)})")
    return tuple(by_name[n] for n in names)


def _check_keys(table: Mapping[str, Any], where: str) -> None:
    for key in table:
        if key not in _KEYS:
            raise ConditionsError("unknown key", where=f"{where}.{key}")


def _build(name: str, raw: Mapping[str, Any], where: str) -> Condition:
    def get(key: str, kinds: type | tuple[type, ...], default: Any) -> Any:
        v = raw.get(key, default)
        if v is default:
            return v
        if isinstance(v, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,)):
            raise ConditionsError("wrong type", where=f"{where}.{key}")
        if not isinstance(v, kinds):
            raise ConditionsError(f"wrong type {type(v).__name__}", where=f"{where}.{key}")
        return v

    def enum(key: str, cls: type[StrEnum], default: StrEnum) -> Any:
        v = raw.get(key, default.value)
        try:
            return cls(v)
        except ValueError:
            allowed = ", ".join(m.value for m in cls)
            raise ConditionsError(
                f"{v!r} is not one of {allowed}", where=f"{where}.{key}"
            ) from None

    def ranged(key: str, value: Any, lo: float, hi: float) -> None:
        if value is not None and not lo <= value <= hi:
            raise ConditionsError(f"{value} is outside {lo}..{hi}", where=f"{where}.{key}")

    system = get("system", str, None)
    temperature = get("temperature", (int, float), None)
    max_tokens = get("max_tokens", int, 2048)
    few_shot = get("few_shot", int, 0)
    epochs = get("epochs", int, 1)
    seed = get("seed", int, 0)
    ranged("temperature", temperature, 0.0, 2.0)
    ranged("max_tokens", max_tokens, 1, 1_000_000)
    ranged("few_shot", few_shot, 0, 50)
    ranged("epochs", epochs, 1, 1000)
    allow = get("allow_dropped", list, [])
    if not all(isinstance(a, str) for a in allow):
        raise ConditionsError("must be a list of parameter names", where=f"{where}.allow_dropped")
    params = get("params", dict, {})
    clash = sorted(set(params) & RESERVED_PARAMS)
    if clash:
        raise ConditionsError(
            "set by the condition's own key, not params", where=f"{where}.params.{clash[0]}"
        )
    return Condition(
        name=name,
        prompt=enum("prompt", PromptVariant, PromptVariant.DIRECT),
        system=system or None,
        temperature=None if temperature is None else float(temperature),
        max_tokens=max_tokens,
        few_shot=few_shot,
        modality=enum("modality", Modality, Modality.TEXT),
        epochs=epochs,
        seed=seed,
        require_hypothesis=get("require_hypothesis", bool, False),
        allow_dropped=tuple(allow),
        params=dict(params),
        description=get("description", str, ""),
    )


__all__ = [
    "RESERVED_PARAMS",
    "Condition",
    "Modality",
    "PromptVariant",
    "load_conditions",
    "parse_conditions",
    "select_conditions",
]
