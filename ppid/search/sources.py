"""The one hook through which a feature makes its records searchable: a *source* of public
documents, registered on the app with :func:`register_source` (the registry's DIP items,
the request register and publications each register theirs, in their ``search.py``).

A source says which model classes, when changed, touch which of its documents, how to load
documents by id (returning only public content), and how to list every id that belongs in
the index. What a document is made of is the owning feature's business; how it is
indexed, queued and searched is this package's.
"""
import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Callable, Dict, Iterable, Optional

SNIPPET_SOURCE_CHARS = 1_500   # stored text the snippet is cut from (highlighting cost)


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

    def parts(self):
        """(title, summary, document text, secondary words), as both backends weight
        them; a request's subject is its title only (it is both)."""
        title, body = self.title or "", self.body or ""
        return title, "" if body == title else body, self.text or "", self.meta or ""

    def snippet_source(self):
        """The stored text snippets are cut from: the summary (a request's subject), else
        the document text, else the secondary words."""
        return (self.body or self.text or self.meta)[:SNIPPET_SOURCE_CHARS]

    def content_hash(self):
        """A digest of everything indexed, to find stale index entries (reindex --check)."""
        data = asdict(self)
        if isinstance(self.date, (date, datetime)):
            data["date"] = self.date.isoformat()
        raw = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha1(raw.encode("utf-8")).hexdigest()


def doc_key(doc_type, doc_id):
    return f"{doc_type}:{doc_id}"


# --- Helpers for the features' sources ---------------------------------------------------

AGENCY_LABELS = ("name", "short_name", "slug")   # an agency's columns documents show


def lines(*parts):
    """The non-empty ``parts``, one a line (a document's secondary words)."""
    return "\n".join(p for p in parts if p)


def indexed_label(enum, code):
    """A code's label as the index holds it: Indonesian (the analyzer's language), so a
    document is found by the words a page shows in Indonesian, whoever's action indexed it."""
    member = enum.get(code)
    return member.text("id") if member is not None else (code or "")


def when_renamed(foreign_key, *names):
    """A watch of a parent (an agency, an obligation): the ids of the records whose
    ``foreign_key`` points at it, when one of its columns ``names`` changed in this flush."""
    import sqlalchemy as sa

    def ids(session, parent):
        state = sa.inspect(parent)
        if state.pending or state.deleted or state.was_deleted or not any(
                state.attrs[n].history.has_changes() for n in names):
            return None
        return session.execute(sa.select(foreign_key.class_.id)
                               .where(foreign_key == parent.id)).scalars().all()
    return ids


@dataclass
class Source:
    doc_type: str
    # model class -> fn(session, obj) returning the doc id(s) the change touches (or None)
    watches: Dict[type, Callable]
    # fn(session, ids) -> {id: SearchDoc or None}; None (or a missing id) = not public
    load: Callable
    # fn(session) -> iterable of every id that belongs in the index
    all_ids: Callable[..., Iterable[str]]
    # model class -> fn(session, obj) building the document of a record written in this
    # transaction from the values the session holds (no query): a SearchDoc, None (not
    # public) or UNKNOWN (not buildable so: load it)
    build: Dict[type, Callable] = field(default_factory=dict)


UNKNOWN = object()   # a builder's "load this one from the database"


def registered() -> Dict[str, Source]:
    """The current app's sources by doc type (a feature hook: ``hooks(app).search_sources``);
    none outside an app (nothing is searchable there)."""
    from flask import has_app_context

    from ppid.core.hooks import hooks
    return hooks().search_sources if has_app_context() else {}


def register_source(app, doc_type, watches, load, all_ids, build=None):
    """Register (or replace) the source of ``doc_type`` documents for ``app``."""
    from ppid.core.hooks import hooks
    hooks(app).search_sources[doc_type] = Source(doc_type, dict(watches), load, all_ids,
                                                 dict(build or {}))


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


def built_key(obj):
    """The (doc_type, doc_id) of a record whose document a source builds from the session
    (see Source.build), or None."""
    for src in registered().values():
        for cls in src.build:
            if isinstance(obj, cls) and getattr(obj, "id", None) is not None:
                return src.doc_type, str(obj.id)
    return None


def build_doc(session, key, obj):
    """The document of ``key`` built from ``obj`` by its source: a SearchDoc, None or
    UNKNOWN."""
    src = registered().get(key[0])
    for cls, fn in (src.build if src else {}).items():
        if isinstance(obj, cls):
            return fn(session, obj)
    return UNKNOWN


def watched_classes():
    return tuple({cls for src in registered().values() for cls in src.watches})


def load_docs(session, keys):
    """{key: SearchDoc, or None when the record is not (or no longer) public} of the
    (doc_type, doc_id) ``keys``, loaded in ``session``; unknown doc types are skipped."""
    wanted = {}
    for doc_type, doc_id in keys:
        if doc_type in registered():
            wanted.setdefault(doc_type, set()).add(str(doc_id))
    docs = {}
    for doc_type, ids in sorted(wanted.items()):
        loaded = registered()[doc_type].load(session, sorted(ids))
        docs.update((doc_key(doc_type, i), loaded.get(i)) for i in sorted(ids))
    return docs


def iter_all_docs(session, batch=500):
    """Every public document of every source, loaded in batches from the database."""
    for src in list(registered().values()):
        ids = [str(i) for i in src.all_ids(session)]
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            loaded = src.load(session, chunk)
            yield from (loaded[i] for i in chunk if loaded.get(i) is not None)
            session.expunge_all()
