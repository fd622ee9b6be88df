"""What the index holds, described by each feature as a *source* of public documents.

A source says which model classes, when changed, touch which of its documents, how to load
documents by id (returning only public content), and how to list every id that belongs in
the index. Sources are registered once per process (idempotent: a second app replaces the
entry with an equal one).
"""
import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Callable, Dict, Iterable, Optional


@dataclass(frozen=True)
class SearchDoc:
    """One public search document. Never put personal data in any field."""

    doc_type: str            # "dip" or "request"
    doc_id: str              # the record's primary key, as text
    public_id: str           # what the public sees: the item id or the registration number
    title: str
    body: str = ""           # the summary (a request: its public subject)
    text: str = ""           # long text: the latest document's extracted text
    meta: str = ""           # secondary words: agency name, unit, obligation, state, outcome
    agency: str = ""         # agency slug
    agency_name: str = ""
    category: str = ""
    date: Optional[date] = None  # the date results are sorted by; its year is a facet
    url: str = ""            # path of the public page
    extra: Dict[str, str] = field(default_factory=dict)  # stored only (labels for the page)

    @property
    def key(self):
        return doc_key(self.doc_type, self.doc_id)

    @property
    def year(self):
        return str(self.date.year) if self.date else ""

    def content_hash(self):
        """A digest of everything indexed, to find stale index entries (reindex --check)."""
        data = asdict(self)
        if isinstance(self.date, (date, datetime)):
            data["date"] = self.date.isoformat()
        raw = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha1(raw.encode("utf-8")).hexdigest()


def doc_key(doc_type, doc_id):
    return f"{doc_type}:{doc_id}"


@dataclass
class Source:
    doc_type: str
    # model class -> fn(session, obj) returning the doc id(s) the change touches (or None)
    watches: Dict[type, Callable]
    # fn(session, ids) -> {id: SearchDoc or None}; None (or a missing id) = not public
    load: Callable
    # fn(session) -> iterable of every id that belongs in the index
    all_ids: Callable[..., Iterable[str]]


def registered() -> Dict[str, Source]:
    """The current app's sources by doc type (a feature hook: ``hooks(app).search_sources``);
    none outside an app (nothing is searchable there)."""
    from flask import has_app_context

    from ppid.core.hooks import hooks
    return hooks().search_sources if has_app_context() else {}


def register_source(app, doc_type, watches, load, all_ids):
    """Register (or replace) the source of ``doc_type`` documents for ``app``."""
    from ppid.core.hooks import hooks
    hooks(app).search_sources[doc_type] = Source(doc_type, dict(watches), load, all_ids)


def ids_touched(session, obj):
    """(doc_type, doc_id) pairs a changed object touches, over every source."""
    out = set()
    for src in registered().values():
        for cls, fn in src.watches.items():
            if isinstance(obj, cls):
                got = fn(session, obj)
                if got is None:
                    continue
                if isinstance(got, (str, int)):
                    got = [got]
                out.update((src.doc_type, str(i)) for i in got if i is not None)
    return out


def watched_classes():
    return tuple({cls for src in registered().values() for cls in src.watches})
