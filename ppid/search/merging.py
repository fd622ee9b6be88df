"""When incremental index commits merge segments: a tiered (log-structured) policy.

Every drain of the queue commits one small segment. Whoosh's default policy
(MERGE_SMALL) can fold an existing, much larger segment into each of those commits, so
a commit of 30 requests rewrote the postings of hundreds of long documents (about 200 ms
on the demo data). Here segments are merged only with segments of about their own size:
once ``WIDTH`` segments share a size tier (sizes ``BASE**k`` to ``BASE**(k+1)``) they
become one segment of the next tier. Each document is then rewritten about
log_BASE(N / batch) times in its life, and an index of N documents has at most
``(WIDTH - 1)`` segments per tier. A segment whose documents are mostly deleted (updated
or withdrawn records) is merged as well, to reclaim them.
"""
import math

BASE = 8
WIDTH = 8
MAX_DELETED_SHARE = 0.4


def tier(doc_count):
    """The size tier of a segment with ``doc_count`` documents (deleted ones included)."""
    return int(math.log(max(doc_count, 1), BASE))


def segments_to_merge(sizes, deleted):
    """Indexes of the segments to merge, given each segment's document count (``sizes``)
    and its deleted-document count (``deleted``)."""
    by_tier = {}
    chosen = set()
    for i, (size, gone) in enumerate(zip(sizes, deleted)):
        if size and gone / size > MAX_DELETED_SHARE:
            chosen.add(i)
        else:
            by_tier.setdefault(tier(size), []).append(i)
    for members in by_tier.values():
        if len(members) >= WIDTH:
            chosen.update(members)
    return chosen


def tiered_merge(writer, segments):
    """A Whoosh merge policy (``writer.commit(mergetype=tiered_merge)``): folds the chosen
    segments into the segment being written and returns the ones that stay."""
    from whoosh.reading import SegmentReader

    chosen = segments_to_merge([s.doc_count_all() for s in segments],
                               [s.deleted_count() for s in segments])
    for i in sorted(chosen):
        reader = SegmentReader(writer.storage, writer.schema, segments[i])
        writer.add_reader(reader)
        reader.close()
    return [s for i, s in enumerate(segments) if i not in chosen]
