"""The feature catalogue: kinds of cells whose worth is hidden.

Terrain features are walked through (lower-case symbols); destinations end a walk
(upper-case symbols). Symbols `#`, `.` and `S` are reserved for walls, empty cells and the start.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hhvalues.errors import BankError

RESERVED_SYMBOLS = frozenset("#.S")


@dataclass(frozen=True, slots=True)
class Feature:
    """One kind of cell."""

    id: str
    """Stable identifier used in weights and probes, e.g. ``"flowers"``."""
    symbol: str
    """One character used in grid rows."""
    label: str
    """Human-readable name: plural for terrain (``"flower beds"``), singular for destinations."""
    terminal: bool
    """True for destinations: entering one ends the walk."""
    colour: str = "#999999"
    """Fill colour of the cell in rendered images (``#rrggbb``)."""
    glyph: str = ""
    """Short mark drawn in the cell; defaults to the symbol."""

    def __post_init__(self) -> None:
        if len(self.symbol) != 1 or self.symbol in RESERVED_SYMBOLS or self.symbol.isspace():
            raise BankError(
                f"feature {self.id!r}: symbol {self.symbol!r} is not one free character"
            )
        if not self.id or not self.label:
            raise BankError(f"feature {self.id!r}: id and label must be non-empty")

    @property
    def mark(self) -> str:
        """What is drawn inside a cell of this feature."""
        return self.glyph or self.symbol

    def to_json(self) -> dict[str, object]:
        """The bank-file form of this feature."""
        return {
            "id": self.id,
            "symbol": self.symbol,
            "label": self.label,
            "terminal": self.terminal,
            "colour": self.colour,
            "glyph": self.mark,
        }


# The catalogue the generator draws from: value-laden, so a respondent has priors to fight.
CATALOGUE: tuple[Feature, ...] = (
    Feature("flowers", "f", "flower beds", False, "#e78ac3", "f"),
    Feature("puddle", "p", "puddles", False, "#6baed6", "p"),
    Feature("crowd", "c", "crowds", False, "#fd8d3c", "c"),
    Feature("grass", "g", "lawns", False, "#74c476", "g"),
    Feature("traffic", "t", "busy roads", False, "#969696", "t"),
    Feature("construction", "k", "construction sites", False, "#fed976", "k"),
    Feature("cafe", "C", "café", True, "#8c510a", "C"),
    Feature("library", "L", "library", True, "#3f007d", "L"),
    Feature("clinic", "H", "clinic", True, "#cb181d", "H"),
    Feature("gym", "G", "gym", True, "#00441b", "G"),
    Feature("bar", "B", "bar", True, "#08306b", "B"),
    Feature("park", "P", "park", True, "#41ab5d", "P"),
)

EXIT = Feature("exit", "E", "exit", True, "#d9d9d9", "E")
"""The way out of every generated world (format 2): a destination worth 0 under every
hypothesis, so a walker who wants none of the places still ends the walk instead of wandering
until the step limit (docs/item-banks.md §2)."""


@dataclass(frozen=True, slots=True)
class FeatureSet:
    """The features of one bank, in a fixed order that indexes weight vectors."""

    features: tuple[Feature, ...]

    def __post_init__(self) -> None:
        ids = [f.id for f in self.features]
        symbols = [f.symbol for f in self.features]
        for seen, what in ((ids, "id"), (symbols, "symbol")):
            dupes = sorted({x for x in seen if seen.count(x) > 1})
            if dupes:
                raise BankError(f"duplicate feature {what}: {', '.join(dupes)}")
        if not self.features:
            raise BankError("a bank needs at least one feature")

    def __len__(self) -> int:
        return len(self.features)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.features)

    @property
    def ids(self) -> tuple[str, ...]:
        """Feature ids in weight-vector order."""
        return tuple(f.id for f in self.features)

    def index(self, feature_id: str) -> int:
        """Position of a feature id in weight vectors; BankError when unknown."""
        for i, f in enumerate(self.features):
            if f.id == feature_id:
                return i
        raise BankError(f"unknown feature {feature_id!r}")

    def by_id(self, feature_id: str) -> Feature:
        """The feature with this id; BankError when unknown."""
        return self.features[self.index(feature_id)]

    def symbol_map(self) -> dict[str, int]:
        """Grid symbol → feature index."""
        return {f.symbol: i for i, f in enumerate(self.features)}

    def weights_vector(self, weights: Mapping[str, float]) -> tuple[float, ...]:
        """Order a {feature id: weight} mapping as a vector; every feature must be present."""
        unknown = sorted(set(weights) - set(self.ids))
        if unknown:
            raise BankError(f"weights name unknown feature(s): {', '.join(unknown)}")
        missing = [fid for fid in self.ids if fid not in weights]
        if missing:
            raise BankError(f"weights lack feature(s): {', '.join(missing)}")
        return tuple(float(weights[fid]) for fid in self.ids)

    def weights_dict(self, vector: Iterable[float]) -> dict[str, float]:
        """Inverse of :meth:`weights_vector`."""
        return {fid: float(w) for fid, w in zip(self.ids, vector, strict=True)}

    @property
    def terminal_mask(self) -> tuple[bool, ...]:
        """Which features are destinations, in weight-vector order."""
        return tuple(f.terminal for f in self.features)
