"""The tiered merge policy of incremental index commits (pure rule)."""
from ppid.search.merging import BASE, WIDTH, segments_to_merge, tier


def test_tiers_are_powers_of_the_base():
    assert tier(0) == tier(1) == tier(BASE - 1) == 0
    assert tier(BASE) == 1 and tier(BASE ** 2 - 1) == 1 and tier(BASE ** 2) == 2


def test_small_commits_do_not_rewrite_a_large_segment():
    # One rebuilt segment of 300,000 documents and a few drains of about 30 each.
    sizes = [300_000] + [30] * (WIDTH - 1)
    assert segments_to_merge(sizes, [0] * len(sizes)) == set()


def test_a_full_tier_is_merged_and_nothing_else():
    sizes = [300_000, 5_000] + [30] * WIDTH
    chosen = segments_to_merge(sizes, [0] * len(sizes))
    assert chosen == set(range(2, 2 + WIDTH))


def test_segments_mostly_deleted_are_reclaimed_whatever_their_size():
    sizes = [300_000, 5_000, 30]
    deleted = [1_000, 4_000, 30]
    assert segments_to_merge(sizes, deleted) == {1, 2}


def test_each_document_is_rewritten_a_logarithmic_number_of_times():
    # Simulate 2,000 drains of 30 documents: count the rewrites and the segments left.
    segments, rewritten = [], 0
    for _ in range(2_000):
        chosen = segments_to_merge(segments, [0] * len(segments))
        merged = sum(segments[i] for i in chosen)
        rewritten += merged
        segments = [s for i, s in enumerate(segments) if i not in chosen] + [30 + merged]
    total = 2_000 * 30
    assert sum(segments) == total
    assert rewritten / total < 5           # log_8(60,000 / 30) is about 3.7
    assert len(segments) <= (WIDTH - 1) * (tier(total) + 1)
