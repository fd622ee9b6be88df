"""The PostgreSQL backend: full-text search in the database, in the same transaction.

Each public record has one row in ``search_documents`` (ppid.search.models), written just
before the transaction that changed the record commits (ppid.search.indexing): its
Sastrawi stems as a weighted ``tsvector`` (``terms``: A title, B summary, C document
text, D agency name and other secondary words) under a GIN index, its folded words
unstemmed (``exact``) for phrases, and what a result shows. The words are analysed in
Python by the same analyzer as the Whoosh backend's (ppid.search.analysis), so both find
the same documents; PostgreSQL only stores, matches and ranks the lexemes it is given
(``'lexeme':position+weight`` literals, tsquery literals). The vocabulary for "did you
mean" is ``search_words`` under a ``pg_trgm`` index. Nothing to queue, drain or share:
several application servers (and read replicas) see what the database holds.
"""
import logging
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session
from whoosh.support.levenshtein import levenshtein

from ppid.search import query as squery
from ppid.search.analysis import STOP_WORDS, stem, tokens
from ppid.search.models import SearchDocument, SearchWord
from ppid.search.sources import UNKNOWN, build_doc, doc_key, iter_all_docs, load_docs

log = logging.getLogger(__name__)

MAX_POSITION = 16383        # PostgreSQL's largest tsvector position
MAX_POSITIONS = 256         # positions kept per lexeme (PostgreSQL's limit)
MAX_LEXEME_CHARS = 200
# ts_rank's weights of D, C, B, A: a word in the title counts most, one only in the
# agency's name least (see ppid.search.index.FIELD_BOOSTS for Whoosh's). ts_rank takes
# each query word's best weight, so a document with every word in its summary (0.8 each)
# outranks one with a word in its title (1.0) and the other in the agency's name only.
RANK_WEIGHTS = "{0.02, 0.4, 0.8, 1.0}"
RANK_NORMALIZATION = 0      # by weight, not length (repeats add little: 1/n^2 each)

D = SearchDocument.__table__
W = SearchWord.__table__
TSQUERY = postgresql.TSQUERY()
TSVECTOR = postgresql.TSVECTOR()


# --- Writing -------------------------------------------------------------------------------

def _quote(lexeme):
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(parts, stemmed=True):
    """The tsvector text of ``parts`` [(text, weight letter)], analysed as the Whoosh
    backend analyses them: stems without function words (``stemmed``), else every folded
    word. Positions run on across the parts, with a gap so no phrase spans two parts."""
    lexemes = {}
    base = 0
    for text, weight in parts:
        if not text:
            continue
        last = 0
        for word, pos, _s, _e in tokens(text):
            last = pos
            if stemmed:
                if word in STOP_WORDS:
                    continue
                word = stem(word)
            if len(word) > MAX_LEXEME_CHARS:
                continue
            found = lexemes.setdefault(word, [])
            if len(found) < MAX_POSITIONS:
                found.append(f"{min(base + pos + 1, MAX_POSITION)}{weight}")
        base += last + 2
    return " ".join(f"{_quote(w)}:{','.join(p)}" for w, p in lexemes.items())


def row_of(doc):
    """The ``search_documents`` row of one SearchDoc."""
    parts = doc.parts()
    return {
        "doc_type": doc.doc_type, "doc_id": doc.doc_id, "public_id": doc.public_id,
        "title": parts[0], "agency": doc.agency or "", "agency_name": doc.agency_name or "",
        "category": doc.category or "", "year": doc.year, "date": doc.date,
        "url": doc.url, "snip": doc.snippet_source(), "extra": dict(doc.extra),
        "hash": doc.content_hash(), "terms": tsvector_literal(zip(parts, "ABCD")),
        "exact": tsvector_literal([(p, "") for p in parts], stemmed=False),
    }


def words_of(doc):
    """The "did you mean" vocabulary words of a SearchDoc (folded, unstemmed, alphabetic)."""
    return {word for text in doc.parts() for word, _p, _s, _e in tokens(text, "query")
            if squery.CORRECTED_MIN <= len(word) <= 100 and word.isalpha()}


_UPSERT = {}


def _upsert():
    """The one upsert of ``search_documents`` rows (built once: its columns never change)."""
    stmt = _UPSERT.get("stmt")
    if stmt is None:
        names = [c.name for c in D.c]
        insert = pg_insert(D).values({
            **{c: sa.bindparam(c) for c in names if c not in ("terms", "exact")},
            "terms": sa.cast(sa.bindparam("terms", type_=sa.Text), TSVECTOR),
            "exact": sa.cast(sa.bindparam("exact", type_=sa.Text), TSVECTOR)})
        stmt = _UPSERT["stmt"] = insert.on_conflict_do_update(
            index_elements=["doc_type", "doc_id"],
            set_={c: insert.excluded[c] for c in names if c not in ("doc_type", "doc_id")})
    return stmt


_WORDS = sa.text("INSERT INTO search_words (word) SELECT w FROM unnest(CAST(:words AS text[])) "
                 "AS w ORDER BY w ON CONFLICT DO NOTHING")


def write_docs(conn, docs, deleted=()):
    """Upsert ``docs`` (SearchDocs) and delete the ``deleted`` (doc_type, doc_id) keys."""
    for doc_type, doc_id in deleted:
        conn.execute(sa.delete(D).where(D.c.doc_type == doc_type, D.c.doc_id == doc_id))
    if not docs:
        return
    conn.execute(_upsert(), [row_of(d) for d in docs])
    words = sorted(set().union(*(words_of(d) for d in docs)))
    if words:
        # In one order for every transaction, so two writers never wait on each other's
        # new words in opposite orders (a deadlock).
        conn.execute(_WORDS, {"words": words})


def write(session, keys, created=None):
    """Bring the rows of the (doc_type, doc_id) ``keys`` up to date, in ``session``'s
    transaction (called just before it commits). ``created``: {key: record} of the records
    inserted in this transaction, whose documents are built from the session (no reload;
    one not public has no row to delete)."""
    docs, skipped = {}, set()
    for key in keys:
        obj = (created or {}).get(key)
        doc = UNKNOWN if obj is None else build_doc(session, key, obj)
        if doc is None:
            skipped.add(key)
        elif doc is not UNKNOWN:
            docs[doc_key(*key)] = doc
    rest = set(keys) - skipped - {k for k in keys if doc_key(*k) in docs}
    if rest:
        docs.update(load_docs(session, rest))
    write_docs(session.connection(), [d for d in docs.values() if d is not None],
               [tuple(k.split(":", 1)) for k, d in docs.items() if d is None])


def refresh(app, keys):
    """Write the rows of the (doc_type, doc_id) ``keys`` anew, in a transaction of its own."""
    from ppid.extensions import db
    with Session(db.engine) as session:
        write(session, keys)
        session.commit()
    return len(keys)


def rebuild(app=None, procs=1, limitmb=None, batch=500):
    """Write every public document's row anew (after an analyzer change); the rows of
    records that are no longer public go. Returns the number of documents."""
    from ppid.extensions import db
    count = 0
    with Session(db.engine) as session:
        conn = session.connection()
        conn.execute(sa.delete(D))
        conn.execute(sa.delete(W))
        chunk = []
        for doc in iter_all_docs(session, batch=batch):
            chunk.append(doc)
            if len(chunk) >= batch:
                write_docs(conn, chunk)
                count += len(chunk)
                chunk = []
        write_docs(conn, chunk)
        count += len(chunk)
        session.commit()
    log.info("search rows rebuilt in PostgreSQL: %d documents", count)
    return count


def clear(app=None):
    """Nothing to clear: the rows live and die with the records."""


def stored_documents(app=None):
    """Every row, as the Whoosh backend's stored fields (checks and tests)."""
    from ppid.extensions import db
    cols = [c for c in D.c if c.name not in ("terms", "exact")]
    with db.engine.connect() as conn:
        rows = conn.execute(sa.select(*cols)).mappings().all()
    return [{**r, "type": r["doc_type"], "key": f"{r['doc_type']}:{r['doc_id']}"}
            for r in rows]


# --- Searching -------------------------------------------------------------------------

def _tsq(text):
    return sa.cast(sa.literal(text, sa.Text), TSQUERY)


def _phrase_tsq(words):
    """'a' <-> 'b' (with <N> across left-out function words), or None when empty."""
    out, gap = [], 1
    for word in words:
        if word is None:
            gap += 1
            continue
        if out:
            out.append(f"<{gap}>" if gap > 1 else "<->")
        out.append(_quote(word))
        gap = 1
    return " ".join(out) or None


def _pure(node):
    """The tsquery over ``terms`` of a node made of stemmed words only, else None."""
    if isinstance(node, squery.Term):
        return _quote(node.stem) if node.stem is not None else None
    if isinstance(node, (squery.And, squery.Or)):
        parts = [_pure(n) for n in node.items]
        if any(p is None for p in parts):
            return None
        return "(" + (" & " if isinstance(node, squery.And) else " | ").join(parts) + ")"
    if isinstance(node, squery.Not):
        inner = _pure(node.item)
        return None if inner is None else f"!{inner}"
    return None


def _match(column, tsquery_text):
    return column.op("@@", is_comparison=True)(_tsq(tsquery_text))


def condition(node):
    """The SQL condition of a query tree (ppid.search.query) on ``search_documents``."""
    pure = _pure(node)
    if pure is not None:
        return _match(D.c.terms, pure)
    if isinstance(node, squery.Term):   # a function word: unstemmed
        return _match(D.c.exact, _quote(node.word))
    if isinstance(node, squery.Phrase):
        exact = _match(D.c.exact, _phrase_tsq(node.words))
        stems = _phrase_tsq([None if w in STOP_WORDS else stem(w) for w in node.words])
        if stems is None:
            return exact
        return sa.and_(_match(D.c.terms, stems), exact)  # the index, then exact
    if isinstance(node, squery.And):
        return sa.and_(*[condition(n) for n in node.items])
    if isinstance(node, squery.Or):
        return sa.or_(*[condition(n) for n in node.items])
    if isinstance(node, squery.Not):
        return sa.not_(condition(node.item))
    raise TypeError(node)


def _rank(node):
    stems, _exact = squery.highlight_words(node)
    if not stems:
        return sa.literal(0.0)
    q = " | ".join(_quote(s) for s in sorted(stems))
    return sa.func.ts_rank(sa.cast(sa.literal(RANK_WEIGHTS), postgresql.ARRAY(sa.REAL)),
                           D.c.terms, _tsq(q), RANK_NORMALIZATION)


_FACET_COLUMNS = {"type": D.c.doc_type, "agency": D.c.agency, "category": D.c.category,
                  "year": D.c.year}
_SHOWN = [D.c.doc_type, D.c.doc_id, D.c.public_id, D.c.title, D.c.agency, D.c.agency_name,
          D.c.category, D.c.year, D.c.url, D.c.snip, D.c.extra]


_replicas = {}


@contextmanager
def _reading(app=None):
    """A connection for searches: to the read replica of SEARCH_REPLICA_URL when one is
    set (searches then see the primary's commits as soon as the replica has them), else
    the session's own."""
    from ppid.extensions import db
    url = (app or current_app).config.get("SEARCH_REPLICA_URL")
    if not url:
        yield db.session.connection()
        return
    engine = _replicas.get(url)
    if engine is None:
        engine = _replicas[url] = sa.create_engine(
            url.replace("postgresql://", "postgresql+psycopg://", 1), pool_pre_ping=True)
    with engine.connect() as conn:
        yield conn


def execute(app, node, params, relaxed=None):
    """One page of results (ppid.search.services.Page), as the Whoosh backend's execute."""
    from ppid.search.services import FACETS, Page
    filters = [_FACET_COLUMNS[name] == value for name, value in params.filters().items()]
    rank = _rank(node)
    if relaxed is None:
        where = sa.and_(condition(node), *filters)
        order = []
    else:
        positive, excluded, minmatch = relaxed
        conds = [condition(n) for n in positive]
        coord = sum((sa.cast(c, sa.Integer) for c in conds[1:]), sa.cast(conds[0], sa.Integer))
        where = sa.and_(sa.or_(*conds), coord >= minmatch,
                        *[condition(n) for n in excluded], *filters)
        order = [coord.desc()]
    if params.sort == "date":
        order += [D.c.date.desc().nulls_last(), rank.desc()]
    else:
        order += [rank.desc(), D.c.date.desc().nulls_last()]
    order += [D.c.doc_type, D.c.doc_id]
    start = (params.page - 1) * params.per_page
    with _reading(app) as conn:
        rows = conn.execute(sa.select(*_SHOWN).where(where).order_by(*order)
                            .limit(params.per_page).offset(start)).mappings().all()
        facets, total = {}, 0
        if params.facets:
            cols = [_FACET_COLUMNS[name] for name in FACETS]
            grouped = conn.execute(
                sa.select(*cols, sa.func.count().label("n")).where(where)
                .group_by(sa.func.grouping_sets(*[sa.tuple_(c) for c in cols]))).all()
            facets = {name: {} for name in FACETS}
            for row in grouped:
                for i, name in enumerate(FACETS):
                    if row[i] is not None:
                        facets[name][row[i]] = row.n
            total = sum(facets["type"].values())
        elif rows or start:
            total = conn.execute(sa.select(sa.func.count()).select_from(D).where(where)
                                 ).scalar_one()
    return Page([{**r, "type": r["doc_type"]} for r in rows], total, facets)


def corrections(app, words):
    """{word: the closest vocabulary word} for the (folded) ``words`` no text holds: of
    the words most alike by trigrams, the fewest edits away (at most two, as Whoosh's
    corrector), with the same first letter."""
    out = {}
    with _reading(app) as conn:
        known = set(conn.execute(sa.select(W.c.word).where(W.c.word.in_(list(words))))
                    .scalars())
        for w in set(words) - known:
            candidates = conn.execute(sa.text(
                "SELECT word FROM search_words WHERE word % :w "
                "ORDER BY similarity(word, :w) DESC, word LIMIT 20"), {"w": w}).scalars()
            close = sorted((levenshtein(w, c), i, c) for i, c in enumerate(candidates)
                           if c[0] == w[0] and c != w)
            if close and close[0][0] <= 2:
                out[w] = close[0][2]
    return out
