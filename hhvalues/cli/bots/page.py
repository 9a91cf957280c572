"""The page as the browser would hold it: the elements and blocks of one finished script run.

Element ids are ``$$ID-<hash>-<key>``: widgets are found by their user keys (``consent``,
``start``, ``probe-<probe id>``, ``hypothesis-<feature id>``, ``submit``, the ``countdown``
element: issue 3's stable selectors). The answer widgets' keys end in ``~~<item id>``
(:data:`SCOPE`, the app's ``hhvalues.ui.state.SCOPE``), so each item's widgets are its own;
:meth:`Page.widgets` gives them without it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

_ID = re.compile(r"^\$\$ID-[0-9a-f]+-(.*)$")
_CLOCK = re.compile(r"(\d+):(\d{2})")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)")
WIDGETS = (
    "button",
    "checkbox",
    "radio",
    "slider",
    "selectbox",
    "button_group",
    "text_input",
    "text_area",
    "number_input",
    "multiselect",
)
"""Element types that are widgets (their state goes back with every rerun)."""
SCOPE = "~~"
"""Between an answer widget's key and its item (the app's ``hhvalues.ui.state.SCOPE``)."""


def user_key(element_id: str) -> str | None:
    """The user key inside an element id (``$$ID-<hash>-<key>``), None when there is none."""
    m = _ID.match(element_id or "")
    if not m or m.group(1) == "None":
        return None
    return m.group(1)


def _texts(message: Any) -> Iterable[str]:
    """Every string field of a protobuf message, depth first."""
    for desc, value in message.ListFields():
        repeated = _repeated(desc)
        if desc.type == desc.TYPE_STRING:
            yield from (value if repeated else [value])
        elif desc.type == desc.TYPE_MESSAGE and not desc.message_type.GetOptions().map_entry:
            for v in value if repeated else [value]:
                yield from _texts(v)


def _repeated(desc: Any) -> bool:
    flag = getattr(desc, "is_repeated", None)
    return bool(flag) if flag is not None else desc.label == 3  # LABEL_REPEATED


@dataclass
class Page:
    """The elements and blocks of one finished script run, by delta path."""

    elements: dict[tuple[int, ...], Any] = field(default_factory=dict)
    blocks: dict[tuple[int, ...], Any] = field(default_factory=dict)
    query_string: str = ""
    status: int | None = None
    exceptions: list[str] = field(default_factory=list)
    fragment_of: dict[tuple[int, ...], str] = field(default_factory=dict)
    """Delta path → id of the fragment that wrote it (elements and blocks written in one)."""

    def fragment_of_widget(self, widget_id: str) -> str | None:
        """The fragment a widget belongs to: a change to it reruns only that fragment."""
        for path, el in self.elements.items():
            kind = el.WhichOneof("type")
            if kind in WIDGETS and getattr(el, kind).id == widget_id:
                return self.fragment_of.get(path)
        return None

    def without_fragment(self, fragment_id: str) -> Page:
        """A copy without what ``fragment_id`` wrote: the base its rerun writes into."""
        keep = {p for p, f in self.fragment_of.items() if f != fragment_id}
        return Page(
            {p: e for p, e in self.elements.items() if p not in self.fragment_of or p in keep},
            {p: b for p, b in self.blocks.items() if p not in self.fragment_of or p in keep},
            self.query_string,
            None,
            [],
            {p: f for p, f in self.fragment_of.items() if p in keep},
        )

    def widgets(self) -> dict[str, tuple[str, Any]]:
        """User key (without its item scope) → (widget type, proto) of every keyed widget."""
        out = {}
        for el in self.elements.values():
            kind = el.WhichOneof("type")
            if kind in WIDGETS:
                proto = getattr(el, kind)
                key = user_key(proto.id)
                if key is not None:
                    out[key.partition(SCOPE)[0]] = (kind, proto)
        return out

    def all_widget_protos(self) -> list[tuple[str, Any]]:
        """(type, proto) of every widget, keyed or not."""
        out = []
        for el in self.elements.values():
            kind = el.WhichOneof("type")
            if kind in WIDGETS:
                out.append((kind, getattr(el, kind)))
        return out

    def text(self) -> str:
        """All the text of the page (labels, markdown, captions, options)."""
        return "\n".join(s for el in self.elements.values() for s in _texts(el))

    def keyed_text(self, key: str) -> str | None:
        """Text of the element keyed ``key``, or of everything inside the block keyed ``key``."""
        for path, block in self.blocks.items():
            if user_key(block.id) == key:
                n = len(path)
                return "\n".join(
                    s
                    for p, el in sorted(self.elements.items())
                    if p[:n] == path
                    for s in _texts(el)
                )
        for el in self.elements.values():
            kind = el.WhichOneof("type")
            proto = getattr(el, kind) if kind else None
            if proto is not None and hasattr(proto, "id") and user_key(proto.id) == key:
                return "\n".join(_texts(el))
        return None

    def item_signature(self) -> str | None:
        """What tells one item page from another: its pictures and its probes' options (None
        on a page without probes)."""
        probes = sorted(
            (k, list(p.options)) for k, (_, p) in self.widgets().items() if k.startswith("probe-")
        )
        if not probes:
            return None
        images = sorted(
            img.url
            for el in self.elements.values()
            if el.WhichOneof("type") == "imgs"
            for img in el.imgs.imgs
        )
        digest = hashlib.sha256(json.dumps([probes, images]).encode("utf-8"))
        return digest.hexdigest()[:16]

    def countdown(self) -> float | None:
        """Seconds shown by the ``countdown`` element (``m:ss`` or a plain number)."""
        return parse_seconds(self.keyed_text("countdown"))


def parse_seconds(text: str | None) -> float | None:
    """Seconds in a countdown text: ``1:05`` → 65, ``65 s`` → 65; None when there is none."""
    if not text:
        return None
    m = _CLOCK.search(text)
    if m:
        return int(m.group(1)) * 60 + int(m.group(2))
    m = _NUMBER.search(text)
    return float(m.group(1)) if m else None


__all__ = ["WIDGETS", "Page", "parse_seconds", "user_key"]
