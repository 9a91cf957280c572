"""Probes and the single rule that turns weights into answers.

Every probe's answer is the sign of a function that is *linear* in the weights,
``v_j(w) = a_j · w + b_j``:

==========  ================================  =========================
type        v(w)                              A means
==========  ================================  =========================
sign X      w_X                               seeks out X (w_X > 0)
compare X Y w_X − w_Y                         X valued more than Y
predict     w·(F_A − F_B) + c·(n_A − n_B)     the person walks path A
==========  ================================  =========================

(F = feature counts along a path, n its length, c the step cost; docs/formats.md §1, probes.)
Truth answers, oracle answers and hypothesis-derived answers all go through
:func:`probe_values`, so they can never disagree.

Code that treats the kinds differently names every kind and ends in ``assert_never``: a new
:class:`ProbeKind` is a mypy error at each place that must handle it, and
``tests/unit/core/test_probe_kinds.py`` runs every kind through all of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, NamedTuple, assert_never

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.features import FeatureSet
from hhvalues.core.ids import id_problem, shown_id
from hhvalues.core.world import follow_path, parse_world
from hhvalues.errors import BankError

Choice = Literal["A", "B"]
TIE_TOLERANCE = 1e-9


class ProbeKind(StrEnum):
    """The three question types."""

    SIGN = "sign"
    COMPARE = "compare"
    PREDICT = "predict"

    @property
    def shows_paths(self) -> bool:
        """Whether a probe of this kind shows a new world with two paths (its options are walks)."""
        if self is ProbeKind.SIGN or self is ProbeKind.COMPARE:
            return False
        if self is ProbeKind.PREDICT:
            return True
        assert_never(self)


class Difficulty(StrEnum):
    """Difficulty bins by the ideal observer's confidence q (docs/item-banks.md §4)."""

    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


def difficulty_of(q: float) -> Difficulty:
    """Bin an ideal-observer confidence: easy ≥ 0.95 > medium ≥ 0.8 > hard."""
    if q >= 0.95:
        return Difficulty.EASY
    return Difficulty.MEDIUM if q >= 0.8 else Difficulty.HARD


@dataclass(frozen=True, slots=True)
class Probe:
    """One binary question about an item's hidden values."""

    id: str
    kind: ProbeKind
    features: tuple[str, ...] = ()
    """``(X,)`` for sign, ``(X, Y)`` for compare, empty for predict."""
    grid: tuple[str, ...] = ()
    """The new world of a predict probe."""
    options: tuple[str, str] = ("", "")
    """Paths A and B of a predict probe."""
    difficulty: Difficulty | None = None
    """Bin of the ideal observer's confidence, when known."""
    q: float | None = None
    """The ideal observer's confidence max(P(A), P(B)), when known."""

    def to_json(self) -> dict[str, object]:
        """The bank-file form of this probe."""
        out: dict[str, object] = {"id": self.id, "type": self.kind.value}
        if self.kind is ProbeKind.SIGN:
            out["feature"] = self.features[0]
        elif self.kind is ProbeKind.COMPARE:
            out["features"] = list(self.features)
        elif self.kind is ProbeKind.PREDICT:
            out["grid"] = list(self.grid)
            out["options"] = {"A": self.options[0], "B": self.options[1]}
        else:
            assert_never(self.kind)
        if self.difficulty is not None:
            out["difficulty"] = self.difficulty.value
        if self.q is not None:
            out["q"] = round(self.q, 6)
        return out


@dataclass(frozen=True, slots=True)
class Margins:
    """Smallest |v(w)| for a probe to count as having a definite answer."""

    sign: float = 0.5
    compare: float = 0.5
    predict: float = math.log(4)

    def of(self, kind: ProbeKind) -> float:
        """The margin for one probe kind."""
        if kind is ProbeKind.SIGN:
            return self.sign
        if kind is ProbeKind.COMPARE:
            return self.compare
        if kind is ProbeKind.PREDICT:
            return self.predict
        assert_never(kind)


class ProbeMatrix(NamedTuple):
    """Linear form of a list of probes: ``values = weights @ a + b``."""

    a: NDArray[np.float64]
    """``a[k, j]``: coefficient of feature k in probe j."""
    b: NDArray[np.float64]
    """``b[j]``: constant term (step cost × length difference for predict)."""
    margin: NDArray[np.float64]
    """``margin[j]``: the definite-answer margin of probe j."""


def probe_matrix(
    probes: Sequence[Probe],
    features: FeatureSet,
    *,
    step_cost: float,
    horizon: int,
    margins: Margins = Margins(),
) -> ProbeMatrix:
    """Build the linear form of probes; BankError naming the probe when it is malformed."""
    k = len(features)
    a = np.zeros((k, len(probes)))
    b = np.zeros(len(probes))
    margin = np.zeros(len(probes))
    for j, p in enumerate(probes):
        margin[j] = margins.of(p.kind)
        try:
            if p.kind is ProbeKind.SIGN:
                a[features.index(p.features[0]), j] = 1.0
            elif p.kind is ProbeKind.COMPARE:
                x, y = (features.index(f) for f in p.features)
                if x == y:
                    raise BankError("compare needs two different features")
                a[x, j], a[y, j] = 1.0, -1.0
            elif p.kind is not ProbeKind.PREDICT:
                assert_never(p.kind)
            else:
                world = parse_world(p.grid, features)
                walks = [follow_path(world, path, horizon=horizon) for path in p.options]
                for side, walk in zip("AB", walks, strict=True):
                    if not (walk.ended_at_destination or len(walk.states) - 1 == horizon):
                        raise BankError(f"option {side} is not a complete path")
                if p.options[0] == p.options[1]:
                    raise BankError("options A and B are the same path")
                a[:, j] = walks[0].counts - walks[1].counts
                b[j] = step_cost * (len(p.options[0]) - len(p.options[1]))
        except BankError as exc:
            raise BankError(exc.message, where=f"probe {p.id}") from None
    return ProbeMatrix(a, b, margin)


def probe_values(weights: NDArray[np.float64], matrix: ProbeMatrix) -> NDArray[np.float64]:
    """``v[h, j]`` for weight vectors ``weights[h, k]`` (or ``v[j]`` for one vector)."""
    return weights @ matrix.a + matrix.b


def choices_from_values(values: NDArray[np.float64]) -> NDArray[np.int8]:
    """+1 for A, -1 for B, 0 for a tie (no choice)."""
    out = np.sign(values).astype(np.int8)
    out[np.abs(values) <= TIE_TOLERANCE] = 0
    return out


def derive_choices(
    weights: Mapping[str, float],
    probes: Sequence[Probe],
    features: FeatureSet,
    *,
    step_cost: float,
    horizon: int,
) -> dict[str, Choice | None]:
    """The answer weights imply for each probe: the one rule for truth, oracle and hypotheses."""
    matrix = probe_matrix(probes, features, step_cost=step_cost, horizon=horizon)
    w = np.array(features.weights_vector(weights))
    signs = choices_from_values(probe_values(w, matrix))
    return {p.id: _SIDE[int(s)] for p, s in zip(probes, signs, strict=True)}


_SIDE: dict[int, Choice | None] = {1: "A", -1: "B", 0: None}


def side_of(sign: int) -> Choice | None:
    """Map +1/-1/0 to "A"/"B"/None."""
    return _SIDE[int(sign)]


def parse_probe(raw: object) -> Probe:
    """Read one probe from its JSON form; BankError for a malformed probe."""
    if not isinstance(raw, dict):
        raise BankError("probe must be an object")
    pid = raw.get("id")
    if not isinstance(pid, str) or not pid:
        raise BankError("probe lacks a string id")
    problem = id_problem(pid)
    if problem is not None:
        raise BankError(f"probe id {shown_id(pid)} {problem}")
    where = f"probe {pid}"
    try:
        kind = ProbeKind(raw.get("type", ""))  # "" (absent) raises ValueError like None did
    except ValueError:
        raise BankError(f"unknown probe type {raw.get('type')!r}", where=where) from None
    difficulty = raw.get("difficulty")
    q = raw.get("q")
    if q is not None and not isinstance(q, (int, float)):
        raise BankError("q must be a number", where=where)
    common = {
        "difficulty": Difficulty(difficulty) if difficulty in set(Difficulty) else None,
        "q": float(q) if q is not None else None,
    }
    if kind is ProbeKind.SIGN:
        feature = raw.get("feature")
        if not isinstance(feature, str):
            raise BankError("sign probe needs a feature", where=where)
        return Probe(pid, kind, features=(feature,), **common)  # type: ignore[arg-type]
    if kind is ProbeKind.COMPARE:
        feats = raw.get("features")
        if not (
            isinstance(feats, list) and len(feats) == 2 and all(isinstance(f, str) for f in feats)
        ):
            raise BankError("compare probe needs two features", where=where)
        return Probe(pid, kind, features=(feats[0], feats[1]), **common)  # type: ignore[arg-type]
    if kind is not ProbeKind.PREDICT:
        assert_never(kind)
    grid, options = raw.get("grid"), raw.get("options")
    if not (isinstance(grid, list) and all(isinstance(r, str) for r in grid)):
        raise BankError("predict probe needs a grid (list of strings)", where=where)
    if not (
        isinstance(options, dict)
        and set(options) == {"A", "B"}
        and all(isinstance(v, str) for v in options.values())
    ):
        raise BankError("predict probe needs options {A: path, B: path}", where=where)
    return Probe(pid, kind, grid=tuple(grid), options=(options["A"], options["B"]), **common)  # type: ignore[arg-type]
