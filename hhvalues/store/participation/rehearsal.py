"""Truth for rehearsal bots (``hhvalues bots --answer oracle``): server-side, never for a page.

The bots run where the database is; they read the truth of the item a participant link shows
now through this function, which finds that item with the session's own rule
(:func:`~hhvalues.store.participation.session.next_item`).
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Engine

from hhvalues.core.probes import Choice
from hhvalues.errors import LinkError
from hhvalues.store.db import get_bank, read_session
from hhvalues.store.participation.session import next_item
from hhvalues.store.studies import AssignedItem, load


class ItemTruth(NamedTuple):
    """The item a participant is on, with its truth in the bank's letters."""

    assigned: AssignedItem
    """The item and which of its probes are shown with sides swapped."""
    answers: dict[str, Choice]
    """Probe id → the true option, as in the bank."""
    weights: dict[str, float]
    """True weight per feature."""


def current_item_truth(engine: Engine, token: str) -> ItemTruth | None:
    """The truth of the item this link shows now; None for an unknown link or a finished one."""
    with read_session(engine) as session:
        try:
            loaded = load(session, token, lock=False)
        except LinkError:
            return None
        assigned = next_item(session, loaded)
        if assigned is None:
            return None
        truth = get_bank(session, loaded.study.bank_id).item(assigned.item).truth
        if truth is None:
            return ItemTruth(assigned, {}, {})
        return ItemTruth(
            assigned, dict(truth.answers), {k: float(v) for k, v in truth.weights.items()}
        )


__all__ = ["ItemTruth", "current_item_truth"]
