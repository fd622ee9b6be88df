"""The per-process bounded cache behind postings, snippets and page sections."""
from ppid.core.cache import BoundedCache


def test_least_recently_used_goes_first_when_the_size_limit_is_passed():
    c = BoundedCache(10)
    c.put("a", 1, 4)
    c.put("b", 2, 4)
    assert c.get("a") == 1          # a is now the most recent
    c.put("c", 3, 4)                 # 12 > 10: b goes
    assert c.get("b") is None and c.get("a") == 1 and c.get("c") == 3
    assert c.put("huge", 9, 11) == 9 and c.get("huge") is None  # larger than the limit
    c.put("a", 5, 2)                 # replacing frees the old size
    c.put("d", 4, 4)
    assert (c.get("a"), c.get("c"), c.get("d")) == (5, 3, 4) and len(c) == 3
    c.clear()
    assert len(c) == 0 and c.get("a") is None


def test_counted_entries_and_a_lifetime():
    c = BoundedCache(2, lifetime=60)
    for k in "xyz":
        c.put(k, k.upper())
    assert c.get("x") is None and c.get("z") == "Z"
    c.lifetime = 0.0
    assert c.get("z") is None and len(c) == 1  # expired entries are dropped when met
