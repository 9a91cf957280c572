"""A participant's assignment: which items, in which order, with which A/B sides swapped.

Drawn once, at enrolment, from ``default_rng([config.seed, participant id])``: training items
first, then test and catch items shuffled together; per-probe A/B flips are balanced over the
whole session. Stored as JSON on the participant row (``[{"item", "split", "flip"}, ...]``) and
read back into the typed :class:`Assignment` on every request.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
from sqlmodel import Session, col, select

from hhvalues.core.bank import Split
from hhvalues.core.probes import Choice
from hhvalues.errors import LinkError
from hhvalues.store.db import ItemRow
from hhvalues.store.studies.config import StudyConfig

_SWAP: dict[Choice | None, Choice | None] = {"A": "B", "B": "A", None: None}


@dataclass(frozen=True, slots=True)
class AssignedItem:
    """One item of a participant's sequence."""

    item: str
    """The item id."""
    split: Split
    flip: tuple[str, ...]
    """Probes whose options are shown swapped (bank A as "B"), in the item's probe order."""

    @property
    def training(self) -> bool:
        """Whether this is a training item (untimed, followed by feedback)."""
        return self.split is Split.TRAIN

    @overload
    def swap(self, probe_id: str, letter: Choice) -> Choice: ...
    @overload
    def swap(self, probe_id: str, letter: None) -> None: ...
    @overload
    def swap(self, probe_id: str, letter: Choice | None) -> Choice | None: ...
    def swap(self, probe_id: str, letter: Choice | None) -> Choice | None:
        """A letter as shown ↔ as in the bank: swapped for a flipped probe (its own inverse)."""
        return _SWAP[letter] if probe_id in self.flip else letter

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {"item": self.item, "split": self.split.value, "flip": list(self.flip)}


@dataclass(frozen=True, slots=True)
class Assignment:
    """A participant's items in the order they are shown."""

    items: tuple[AssignedItem, ...] = ()

    @classmethod
    def parse(cls, doc: Sequence[Mapping[str, Any]]) -> Assignment:
        """Read the stored form."""
        return cls(
            tuple(AssignedItem(str(e["item"]), Split(e["split"]), tuple(e["flip"])) for e in doc)
        )

    def to_json(self) -> list[dict[str, Any]]:
        """The stored form."""
        return [e.to_json() for e in self.items]

    def __iter__(self) -> Iterator[AssignedItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def find(self, item_id: object) -> tuple[int, AssignedItem]:
        """(position, entry) of an item; LinkError when it is not one of these items."""
        for k, entry in enumerate(self.items):
            if entry.item == item_id:
                return k, entry
        raise LinkError("this item is not one of this participant's items")

    @property
    def training_total(self) -> int:
        """How many training items come first."""
        return sum(1 for e in self.items if e.training)

    def phase(self, entry: AssignedItem) -> tuple[int, int]:
        """(1-based number within its phase, phase size): training, or test and catch."""
        same = [e for e in self.items if e.training == entry.training]
        return next(i for i, e in enumerate(same, 1) if e.item == entry.item), len(same)


def assign_items(
    session: Session, bank_id: int, config: StudyConfig, participant_id: int
) -> Assignment:
    """Training items first, then test and catch items shuffled; per-probe A/B flips balanced."""
    rng = np.random.default_rng([config.seed, participant_id])
    rows = session.exec(
        select(ItemRow.item_id, ItemRow.split, ItemRow.public)
        .where(ItemRow.bank_id == bank_id)
        .order_by(col(ItemRow.position))
    ).all()
    by_split: dict[str, list[tuple[str, list[str]]]] = {s.value: [] for s in Split}
    for item_id, split, public in rows:
        by_split[split].append((item_id, [p["id"] for p in public["probes"]]))

    def draw(split: Split, n: int | None) -> list[tuple[Split, str, list[str]]]:
        pool = by_split[split.value]
        n = len(pool) if n is None else n
        picks = rng.permutation(len(pool))[:n]
        return [(split, *pool[int(i)]) for i in picks]

    train = draw(Split.TRAIN, config.train)
    block = draw(Split.TEST, config.items) + draw(Split.CATCH, config.catch)
    block = [block[int(i)] for i in rng.permutation(len(block))]
    chosen = train + block
    n_probes = sum(len(p) for _, _, p in chosen)
    flips = np.zeros(n_probes, dtype=bool)
    flips[: n_probes // 2] = True
    if n_probes % 2:
        flips[n_probes // 2] = bool(rng.integers(2))
    flips = flips[rng.permutation(n_probes)]
    out, k = [], 0
    for split, item_id, probes in chosen:
        flipped = tuple(pid for j, pid in enumerate(probes) if flips[k + j])
        k += len(probes)
        out.append(AssignedItem(item_id, split, flipped))
    return Assignment(tuple(out))


__all__ = ["AssignedItem", "Assignment", "assign_items"]
