"""The one date formatter and the labelled enumerations, without an app (issue 13, section 1)."""
from datetime import date

import pytest

from ppid.core import dates
from ppid.core.enums import REGISTRY, LabelledEnum
from ppid.info_requests import rules as rq
from ppid.registry import rules as rg
from ppid.reports import rules as rp

DAY = date(2026, 12, 2)


@pytest.mark.parametrize("style,lang,expected", [
    ("date_long", "id", "2 Desember 2026"), ("date_long", "en", "2 December 2026"),
    ("date_short", "id", "02-12-2026"), ("date_short", "en", "2 Dec 2026"),
    ("date_full", "id", "Rabu, 2 Desember 2026"),
    ("date_full", "en", "Wednesday, 2 December 2026"),
    ("date_month", "id", "Des 2026"), ("date_month", "en", "Dec 2026"),
])
def test_each_style_in_each_language(style, lang, expected):
    assert dates.FILTERS[style](DAY, lang) == expected


def test_no_date_and_unknown_languages():
    assert dates.date_long(None, "id") == "—"
    assert dates.date_long(None, "id", empty="-") == "-"
    assert dates.date_long(DAY, "fr") == "2 Desember 2026"  # the registry's default language
    assert dates.date_long(DAY, "en_GB") == "2 December 2026"
    with pytest.raises(TypeError):
        dates.date_long("2026-12-02", "id")


def test_members_are_their_stored_codes():
    assert rq.RequestState.DITERIMA == "diterima" and rq.DITERIMA is rq.RequestState.DITERIMA
    assert {"diterima": 1}[rq.DITERIMA] == 1 and f"{rq.DITERIMA}" == "diterima"
    assert rq.STATES == tuple(rq.RequestState) and "selesai" in rq.STATES
    assert rq.Outcome.codes() == ["dikabulkan", "dikabulkan_sebagian", "ditolak",
                                  "tidak_dikuasai", "belum_didokumentasikan"]
    assert rg.Pasal17.codes() == list("abcdefghij")
    assert rq.ObjectionGround.codes() == list("abcdefg")


def test_labels_articles_and_lookups():
    assert rq.Outcome.DITOLAK.text("id") == "Ditolak (informasi dikecualikan)"
    assert rq.ObjectionGround.A.article == "UU KIP Pasal 35 ayat (1) huruf a"
    assert rg.Pasal17.H.article == "UU KIP Pasal 17 huruf h"
    assert rg.Category.SERTA_MERTA.article == "UU KIP Pasal 10"
    assert str(rg.Pasal17.H.lettered) == "h. rahasia pribadi"
    assert rq.Outcome.label_of(None) == "—" and rq.Outcome.label_of("", "") == ""
    assert rq.Outcome.label_of("bukan_kode") == "bukan_kode"  # shown, not hidden
    assert rq.Outcome.get("ditolak") is rq.DITOLAK and rq.Outcome.get(None) is None
    assert rq.Channel.choices(rq.OFFICER_CHANNELS)[0][0] == "langsung"
    assert [b.lower for b in rp.Band] == [90, 80, 60, 40, 0]
    assert rg.Status.TERKINI.symbol == "✓" and rg.Status.by_severity()[0] is rg.TERLAMBAT


def test_every_enumeration_is_registered_with_distinct_codes():
    assert all(issubclass(e, LabelledEnum) for e in REGISTRY.values())
    for name, enum in REGISTRY.items():
        assert len(set(enum.codes())) == len(enum), name
        assert all(m.label is not None for m in enum), name
