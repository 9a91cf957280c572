"""Item banks: the ``hhvalues-bank/1`` JSON format, content hash and public copies.

A bank is a named, versioned set of items with its feature catalogue, step cost and the
demonstrator model the ideal observer assumes (docs/formats.md §1). Reading never trusts the file:
every structural problem is a :class:`BankError` naming the file, item and probe.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeGuard

from hhvalues.core.features import Feature, FeatureSet
from hhvalues.core.ids import id_problem, shown_id
from hhvalues.core.jsontext import decode
from hhvalues.core.probes import Choice, Margins, Probe, parse_probe
from hhvalues.errors import BankError

BANK_FORMAT = "hhvalues-bank/1"
BANK_FORMAT_V2 = "hhvalues-bank/2"
"""Per-feature weight levels (terrain costs, destination rewards), the lapse applied as
declared, and the world-design rule recorded in ``model.design``."""
BANK_FORMATS = (BANK_FORMAT, BANK_FORMAT_V2)
_UMASK = os.umask(0o022)
os.umask(_UMASK)
DEFAULT_WEIGHT_LEVELS = (-2.0, -1.0, 1.0, 2.0)
DEFAULT_RATIONALITY_LEVELS = (1.0, 2.0, 4.0)
V1_HUMAN_LAPSE_FLOOR = 0.05


class Split(StrEnum):
    """What an item is used for."""

    TRAIN = "train"
    TEST = "test"
    CATCH = "catch"


class Planner(StrEnum):
    """How the demonstrator plans (docs/item-banks.md §2)."""

    SOFT = "soft"
    HARD = "hard"


@dataclass(frozen=True, slots=True)
class Model:
    """The demonstrator model and prior; the ideal observer assumes exactly this."""

    planner: Planner = Planner.HARD
    horizon: int = 30
    weight_levels: tuple[float, ...] = DEFAULT_WEIGHT_LEVELS
    rationality_levels: tuple[float, ...] = DEFAULT_RATIONALITY_LEVELS
    lapse: float = 0.0
    """Probability of a uniformly random move (recorded human walks)."""
    margins: Margins = field(default_factory=Margins)
    feature_levels: tuple[tuple[str, tuple[float, ...]], ...] | None = None
    """Format 2: ``(feature id, its weight levels)`` for every feature, in the bank's order
    (``weight_levels`` is then unused). None in format 1, where all features share
    ``weight_levels``."""
    design: Mapping[str, Any] | None = field(default=None, hash=False, compare=True)
    """Format 2: how the generator chose its worlds and probes (informational; the selection
    never looks at the true values except through the sampled walks, so the likelihood the
    observer uses stays exact)."""

    @property
    def format(self) -> str:
        """The bank format this model belongs to."""
        return BANK_FORMAT if self.feature_levels is None else BANK_FORMAT_V2

    def levels(self, features: FeatureSet) -> tuple[tuple[float, ...], ...]:
        """The weight levels of each feature, in the bank's feature order."""
        if self.feature_levels is None:
            return (self.weight_levels,) * len(features)
        by_id = dict(self.feature_levels)
        return tuple(by_id[f.id] for f in features)

    def demo_lapse(self, source: str) -> float:
        """The lapse the observer applies to a demonstration.

        Format 1 applied a floor of 0.05 to recorded human walks without declaring it; it is
        kept for those banks so their ceilings do not move. Format 2 uses the declared lapse.
        """
        if self.feature_levels is None and source == "human":
            return max(self.lapse, V1_HUMAN_LAPSE_FLOOR)
        return self.lapse

    def to_json(self) -> dict[str, object]:
        """The bank-file form."""
        levels: object = list(self.weight_levels)
        if self.feature_levels is not None:
            levels = {fid: list(lv) for fid, lv in self.feature_levels}
        out: dict[str, object] = {
            "planner": self.planner.value,
            "horizon": self.horizon,
            "weight_levels": levels,
            "rationality_levels": list(self.rationality_levels),
            "lapse": self.lapse,
            "margins": {
                "sign": self.margins.sign,
                "compare": self.margins.compare,
                "predict": round(self.margins.predict, 6),
            },
        }
        if self.design is not None:
            out["design"] = dict(self.design)
        return out


@dataclass(frozen=True, slots=True)
class Demonstration:
    """A world and the path walked in it."""

    grid: tuple[str, ...]
    path: str
    source: str = "simulated"
    """``simulated`` or ``human``."""
    instruction: str | None = None
    """For human walks: ``do`` or ``teach``."""

    def to_json(self) -> dict[str, object]:
        """The bank-file form."""
        out: dict[str, object] = {"grid": list(self.grid), "path": self.path}
        if self.source != "simulated":
            out["source"] = self.source
        if self.instruction is not None:
            out["instruction"] = self.instruction
        return out


@dataclass(frozen=True, slots=True)
class Truth:
    """The hidden values behind an item and the answers they imply."""

    weights: Mapping[str, float]
    rationality: float
    answers: Mapping[str, Choice]
    ideal: Mapping[str, float] = field(default_factory=dict)
    """Ideal observer's P(A) per probe (secret: it nearly gives the answer away)."""
    ideal_accuracy: float | None = None
    """Share of probes the ideal observer answers right (the item's realised ceiling)."""

    def to_json(self) -> dict[str, object]:
        """The bank-file form."""
        out: dict[str, object] = {
            "weights": dict(self.weights),
            "rationality": self.rationality,
            "answers": dict(self.answers),
        }
        if self.ideal:
            out["ideal"] = {k: round(v, 6) for k, v in self.ideal.items()}
        if self.ideal_accuracy is not None:
            out["ideal_accuracy"] = round(self.ideal_accuracy, 6)
        return out


@dataclass(frozen=True, slots=True)
class Item:
    """Demonstrations, probes and (in a full bank) the truth."""

    id: str
    split: Split
    demos: tuple[Demonstration, ...]
    probes: tuple[Probe, ...]
    truth: Truth | None = None

    def probe(self, probe_id: str) -> Probe:
        """The probe with this id; BankError when the item has none."""
        for p in self.probes:
            if p.id == probe_id:
                return p
        raise BankError(f"no probe {probe_id!r}", where=f"item {self.id}")

    def to_json(self) -> dict[str, object]:
        """The bank-file form."""
        out: dict[str, object] = {
            "id": self.id,
            "split": self.split.value,
            "demos": [d.to_json() for d in self.demos],
            "probes": [p.to_json() for p in self.probes],
        }
        if self.truth is not None:
            out["truth"] = self.truth.to_json()
        return out


@dataclass(frozen=True, slots=True, eq=False)
class Bank:
    """A versioned set of items.

    Grid encoding, moves, reward and termination are those of :mod:`hhvalues.core.world`;
    ``model`` says how the walks were made and what the ideal observer assumes.
    """

    name: str
    version: str
    seed: int | None
    features: FeatureSet
    step_cost: float
    model: Model
    items: tuple[Item, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)

    def item(self, item_id: str) -> Item:
        """The item with this id; BankError when unknown."""
        idx = self.index
        if item_id not in idx:
            raise BankError(f"unknown item id {item_id!r}", where=f"bank {self.name}")
        return self.items[idx[item_id]]

    @property
    def index(self) -> dict[str, int]:
        """Item id → position."""
        return {it.id: i for i, it in enumerate(self.items)}

    @property
    def has_truth(self) -> bool:
        """False for a public copy."""
        return all(it.truth is not None for it in self.items)

    def by_split(self, split: Split) -> tuple[Item, ...]:
        """Items of one split, in bank order."""
        return tuple(it for it in self.items if it.split is split)

    def to_json(self) -> dict[str, object]:
        """The bank-file document."""
        out: dict[str, object] = {
            "format": self.model.format,
            "name": self.name,
            "version": self.version,
            "seed": self.seed,
            "features": [f.to_json() for f in self.features],
            "step_cost": self.step_cost,
            "model": self.model.to_json(),
        }
        if self.meta:
            out["meta"] = dict(self.meta)
        out["items"] = [it.to_json() for it in self.items]
        return out

    @property
    def content_hash(self) -> str:
        """sha256 of the canonical JSON of the whole bank (truth included when present)."""
        return content_hash(self.to_json())


def content_hash(document: object) -> str:
    """sha256 hex of canonical JSON (sorted keys, no whitespace)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def publish(bank: Bank) -> Bank:
    """A copy without truth, safe to hand to respondents."""
    return replace(bank, items=tuple(replace(it, truth=None) for it in bank.items))


# --- reading ---------------------------------------------------------------------------------


def load_bank(path: str | os.PathLike[str]) -> Bank:
    """Read a bank file; BankError naming file, item and probe for any structural problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BankError("no such file", where=str(p)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BankError(f"cannot read: {exc}", where=str(p)) from None
    try:
        doc = decode(text)
    except ValueError as exc:
        raise BankError(str(exc), where=str(p)) from None
    try:
        return parse_bank(doc)
    except BankError as exc:
        raise BankError(exc.message, where=f"{p}: {exc.where}" if exc.where else str(p)) from None


def loads_bank(text: str | bytes, *, source: str = "<bank>") -> Bank:
    """Parse bank JSON text (e.g. an upload); errors name ``source``."""
    try:
        doc = decode(text)
    except ValueError as exc:
        raise BankError(str(exc), where=source) from None
    try:
        return parse_bank(doc)
    except BankError as exc:
        raise BankError(
            exc.message, where=f"{source}: {exc.where}" if exc.where else source
        ) from None


def parse_bank(doc: object) -> Bank:
    """Build a Bank from a decoded JSON document."""
    if not isinstance(doc, dict):
        raise BankError("bank must be a JSON object")
    fmt = doc.get("format")
    if fmt not in BANK_FORMATS:
        raise BankError(f"format must be {BANK_FORMAT!r} or {BANK_FORMAT_V2!r}, got {fmt!r}")
    for key, kind in (("name", str), ("version", str), ("features", list), ("items", list)):
        if not isinstance(doc.get(key), kind):
            raise BankError(f"{key!r} must be a {kind.__name__}")
    for key in ("name", "version"):
        _check_id(doc[key], f"the bank's {key}")
    step_cost = doc.get("step_cost")
    if not _is_number(step_cost):
        raise BankError("'step_cost' must be a number")
    seed = doc.get("seed")
    if seed is not None and not isinstance(seed, int):
        raise BankError("'seed' must be an integer or null")
    features = FeatureSet(tuple(_parse_feature(i, f) for i, f in enumerate(doc["features"])))
    model = _parse_model(doc.get("model"), features, v2=fmt == BANK_FORMAT_V2)
    items = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["items"]):
        item = _parse_item(i, raw, features)
        if item.id in seen:
            raise BankError("duplicate item id", where=f"item {item.id}")
        seen.add(item.id)
        items.append(item)
    meta_raw = doc.get("meta")
    meta = meta_raw if isinstance(meta_raw, dict) else {}
    return Bank(
        doc["name"], doc["version"], seed, features, float(step_cost), model, tuple(items), meta
    )


def _check_id(value: str, what: str) -> None:
    """BankError when ``value`` is not a safe id (:mod:`hhvalues.core.ids`)."""
    problem = id_problem(value)
    if problem is not None:
        raise BankError(f"{what} {shown_id(value)} {problem}")


def _is_number(x: object) -> TypeGuard[int | float]:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _parse_feature(i: int, raw: object) -> Feature:
    if not isinstance(raw, dict):
        raise BankError(f"feature #{i + 1} must be an object")
    for key in ("id", "symbol", "label"):
        if not isinstance(raw.get(key), str):
            raise BankError(f"feature #{i + 1} needs a string {key!r}")
    _check_id(raw["id"], "feature id")
    if not isinstance(raw.get("terminal"), bool):
        raise BankError(f"feature {raw['id']!r} needs a boolean 'terminal'")
    return Feature(
        raw["id"],
        raw["symbol"],
        raw["label"],
        raw["terminal"],
        str(raw.get("colour", "#999999")),
        str(raw.get("glyph", "")),
    )


def _parse_model(raw: object, features: FeatureSet, *, v2: bool) -> Model:
    if raw is None and not v2:
        return Model()
    if not isinstance(raw, dict):
        raise BankError("'model' must be an object" + (" (format 2 requires it)" if v2 else ""))
    default = Model()
    try:
        planner = Planner(raw.get("planner", default.planner.value))
    except ValueError:
        raise BankError(
            f"model.planner must be 'soft' or 'hard', got {raw.get('planner')!r}"
        ) from None
    horizon = raw.get("horizon", default.horizon)
    if not isinstance(horizon, int) or isinstance(horizon, bool) or not 1 <= horizon <= 500:
        raise BankError("model.horizon must be an integer in 1..500")
    feature_levels = None
    if v2:
        feature_levels = _feature_levels(raw.get("weight_levels"), features)
        levels = default.weight_levels
    else:
        levels = _number_list(
            raw.get("weight_levels", list(default.weight_levels)), "model.weight_levels"
        )
    betas = _number_list(
        raw.get("rationality_levels", list(default.rationality_levels)), "model.rationality_levels"
    )
    if any(b <= 0 for b in betas):
        raise BankError("model.rationality_levels must be positive")
    lapse = raw.get("lapse", 0.0)
    if not _is_number(lapse) or not 0 <= lapse < 1:
        raise BankError("model.lapse must be a number in [0, 1)")
    m = raw.get("margins", {})
    if not isinstance(m, dict) or not all(_is_number(v) and v >= 0 for v in m.values()):
        raise BankError("model.margins must map probe types to non-negative numbers")
    base = Margins()
    margins = Margins(
        float(m.get("sign", base.sign)),
        float(m.get("compare", base.compare)),
        float(m.get("predict", math.log(4) / min(betas))),
    )
    design = raw.get("design")
    if design is not None and not (v2 and isinstance(design, dict)):
        raise BankError("model.design must be an object (format 2 only)")
    return Model(planner, horizon, levels, betas, float(lapse), margins, feature_levels, design)


def _feature_levels(raw: object, features: FeatureSet) -> tuple[tuple[str, tuple[float, ...]], ...]:
    """Format 2's ``model.weight_levels``: an object with one list of levels per feature."""
    if not isinstance(raw, dict):
        raise BankError("model.weight_levels must map every feature id to its levels (format 2)")
    unknown = sorted(set(raw) - set(features.ids))
    if unknown:
        raise BankError(f"model.weight_levels names unknown feature {unknown[0]!r}")
    missing = [fid for fid in features.ids if fid not in raw]
    if missing:
        raise BankError(f"model.weight_levels has no levels for feature {missing[0]!r}")
    out = []
    for fid in features.ids:
        levels = _number_list(raw[fid], f"model.weight_levels.{fid}")
        if len(set(levels)) != len(levels):
            raise BankError(f"model.weight_levels.{fid} repeats a level")
        out.append((fid, levels))
    return tuple(out)


def _number_list(raw: object, name: str) -> tuple[float, ...]:
    if not (isinstance(raw, list) and raw and all(_is_number(x) for x in raw)):
        raise BankError(f"{name} must be a non-empty list of numbers")
    return tuple(float(x) for x in raw)


def _parse_item(i: int, raw: object, features: FeatureSet) -> Item:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise BankError(f"item #{i + 1} must be an object with a string 'id'")
    _check_id(raw["id"], f"item #{i + 1}'s id")
    where = f"item {raw['id']}"
    try:
        split = Split(raw.get("split", ""))  # "" (absent) raises ValueError like None did
    except ValueError:
        raise BankError(
            f"split must be train, test or catch, got {raw.get('split')!r}", where=where
        ) from None
    demos_raw, probes_raw = raw.get("demos"), raw.get("probes")
    if not isinstance(demos_raw, list) or not demos_raw:
        raise BankError("'demos' must be a non-empty list", where=where)
    if not isinstance(probes_raw, list) or not probes_raw:
        raise BankError("'probes' must be a non-empty list", where=where)
    demos = []
    for d, demo in enumerate(demos_raw):
        if not (
            isinstance(demo, dict)
            and isinstance(demo.get("grid"), list)
            and all(isinstance(r, str) for r in demo["grid"])
            and isinstance(demo.get("path"), str)
        ):
            raise BankError(
                f"demo {d + 1} needs 'grid' (list of strings) and 'path' (string)", where=where
            )
        demos.append(
            Demonstration(
                tuple(demo["grid"]),
                demo["path"],
                str(demo.get("source", "simulated")),
                demo.get("instruction") if isinstance(demo.get("instruction"), str) else None,
            )
        )
    probes = []
    for raw_probe in probes_raw:
        try:
            probes.append(parse_probe(raw_probe))
        except BankError as exc:
            raise BankError(
                exc.message, where=f"{where}, {exc.where}" if exc.where else where
            ) from None
    ids = [p.id for p in probes]
    if len(set(ids)) != len(ids):
        raise BankError("duplicate probe ids", where=where)
    truth = _parse_truth(raw.get("truth"), features, ids, where) if "truth" in raw else None
    return Item(raw["id"], split, tuple(demos), tuple(probes), truth)


def _parse_truth(raw: object, features: FeatureSet, probe_ids: Sequence[str], where: str) -> Truth:
    if not isinstance(raw, dict):
        raise BankError("'truth' must be an object", where=where)
    weights = raw.get("weights")
    if not isinstance(weights, dict) or not all(_is_number(v) for v in weights.values()):
        raise BankError("truth.weights must map features to numbers", where=where)
    try:
        features.weights_vector(weights)
    except BankError as exc:
        raise BankError(f"truth.{exc.message}", where=where) from None
    beta = raw.get("rationality")
    if not _is_number(beta) or beta <= 0:
        raise BankError("truth.rationality must be a positive number", where=where)
    answers = raw.get("answers")
    if not isinstance(answers, dict):
        raise BankError("truth.answers must be an object", where=where)
    for pid in probe_ids:
        if pid not in answers:
            raise BankError("truth.answers has no answer", where=f"{where}, probe {pid}")
        if answers[pid] not in ("A", "B"):
            raise BankError(
                f"truth answer must be 'A' or 'B', got {answers[pid]!r}",
                where=f"{where}, probe {pid}",
            )
    extra = sorted(set(answers) - set(probe_ids))
    if extra:
        raise BankError(f"truth.answers names unknown probe {extra[0]!r}", where=where)
    ideal = raw.get("ideal", {})
    ideal = (
        {k: float(v) for k, v in ideal.items() if _is_number(v)} if isinstance(ideal, dict) else {}
    )
    acc = raw.get("ideal_accuracy")
    return Truth(
        {k: float(v) for k, v in weights.items()},
        float(beta),
        dict(answers),
        ideal,
        float(acc) if _is_number(acc) else None,
    )


# --- writing ---------------------------------------------------------------------------------


def dumps_bank(bank: Bank) -> str:
    """Deterministic JSON text of a bank."""
    return json.dumps(bank.to_json(), indent=1, ensure_ascii=False) + "\n"


def write_bank(bank: Bank, path: str | os.PathLike[str]) -> None:
    """Write atomically: a reader never sees a half-written bank."""
    write_text_atomic(Path(path), dumps_bank(bank))


def write_text_atomic(path: Path, text: str) -> None:
    """Write text to a temp file beside ``path`` and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file normal permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
