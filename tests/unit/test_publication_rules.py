"""The publication desk's pure rules (issue #19): its states and steps, visibility read
from the clock, tags, share links."""
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

import pytest

from ppid.publications import rules
from ppid.publications.rules import PublicationState as S
from ppid.publications.rules import Step, TransitionRefused

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)
PAST, FUTURE = NOW - timedelta(minutes=1), NOW + timedelta(minutes=1)

# Every (step, from state) pair and what it leads to; anything not listed is refused.
ALLOWED = {
    (Step.SUBMITTED, S.DRAFT): S.SUBMITTED,
    (Step.SUBMITTED, S.RETURNED): S.SUBMITTED,
    (Step.RETURNED, S.SUBMITTED): S.RETURNED,
    (Step.RETURNED, S.SCHEDULED): S.RETURNED,
    (Step.SCHEDULED, S.SUBMITTED): S.SCHEDULED,
    (Step.SCHEDULED, S.SCHEDULED): S.SCHEDULED,
    (Step.PUBLISHED, S.SUBMITTED): S.PUBLISHED,
    (Step.PUBLISHED, S.SCHEDULED): S.PUBLISHED,
    (Step.WENT_LIVE, S.SCHEDULED): S.PUBLISHED,
    (Step.WITHDRAWN, S.PUBLISHED): S.WITHDRAWN,
}


@pytest.mark.parametrize("step", list(rules.TRANSITIONS))
@pytest.mark.parametrize("state", list(S))
def test_every_step_from_every_state(step, state):
    # A scheduled item's time not yet come (withdrawing it is not allowed then).
    want = ALLOWED.get((step, state))
    if want is None:
        with pytest.raises(TransitionRefused):
            rules.next_state(step, state, FUTURE, NOW)
    else:
        assert rules.next_state(step, state, FUTURE, NOW) == want


def test_a_scheduled_item_whose_time_came_is_withdrawn_not_returned_or_rescheduled():
    assert rules.next_state(Step.WITHDRAWN, S.SCHEDULED, PAST, NOW) == S.WITHDRAWN
    for step in (Step.RETURNED, Step.SCHEDULED):
        with pytest.raises(TransitionRefused):
            rules.next_state(step, S.SCHEDULED, PAST, NOW)
    with pytest.raises(TransitionRefused):
        rules.next_state(Step.WITHDRAWN, S.SCHEDULED, FUTURE, NOW)


def test_visibility_is_read_from_the_clock():
    assert not rules.is_public(S.SCHEDULED, FUTURE, NOW)
    assert rules.is_public(S.SCHEDULED, NOW, NOW)  # at its moment exactly
    assert rules.is_public(S.SCHEDULED, PAST, NOW)
    assert rules.effective_state(S.SCHEDULED, PAST, NOW) == S.PUBLISHED
    assert rules.effective_state(S.SCHEDULED, FUTURE, NOW) == S.SCHEDULED
    assert rules.is_public(S.PUBLISHED, PAST, NOW)
    for state in (S.DRAFT, S.SUBMITTED, S.RETURNED, S.WITHDRAWN):
        assert not rules.is_public(state, PAST, NOW), state


def test_who_edits_when():
    assert rules.AGENCY_EDITS == {S.DRAFT, S.RETURNED}
    assert rules.DESK_EDITS == {S.SUBMITTED, S.SCHEDULED, S.PUBLISHED}
    assert not (rules.AGENCY_EDITS & rules.DESK_EDITS)


def test_schedule_time_must_be_aware_and_in_the_future():
    assert rules.check_schedule(FUTURE, NOW) is None
    assert rules.check_schedule(None, NOW) is not None
    assert rules.check_schedule(NOW, NOW) is not None
    assert rules.check_schedule(FUTURE.replace(tzinfo=None), NOW) is not None


def test_tags():
    assert rules.parse_tags(" Banjir, kesehatan ;BANJIR\nPosko  Utama ") == [
        "banjir", "kesehatan", "posko utama"]
    assert rules.parse_tags("<script>, a'b") == ["script", "a b"]
    assert rules.parse_tags("") == [] and rules.parse_tags(None) == []
    with pytest.raises(ValueError):
        rules.parse_tags(",".join(f"t{i}" for i in range(rules.MAX_TAGS + 1)))
    with pytest.raises(ValueError):
        rules.parse_tags("x" * (rules.MAX_TAG_CHARS + 1))
    stored = rules.stored_tags(["a", "b c"])
    assert stored == ",a,b c," and rules.tags_of(stored) == ["a", "b c"]
    assert rules.stored_tags([]) == "" and rules.tags_of("") == []


def test_share_links_are_plain_urls_carrying_the_page():
    url = "https://ppid.example.go.id/berita/7/banjir-&-posko?x=1"
    links = dict(rules.share_links(url, "Banjir & posko"))
    assert set(links) == {"WhatsApp", "Facebook", "X", "Telegram"}
    for network, href in links.items():
        parts = urlparse(href)
        assert parts.scheme == "https" and not parts.fragment, network
        values = [v for vs in parse_qs(parts.query).values() for v in vs]
        assert any(url in v for v in values), (network, href)
    assert urlparse(links["WhatsApp"]).netloc == "wa.me"
    assert urlparse(links["Telegram"]).netloc == "t.me"


def test_slug_and_excerpt():
    assert rules.slugify("Vaksinasi HPV di 14 Kabupaten!") == "vaksinasi-hpv-di-14-kabupaten"
    assert rules.slugify("!!!") == "berita"
    assert rules.plain_excerpt("a\n b", 10) == "a b"
    assert len(rules.plain_excerpt("x" * 300, 200)) == 200
