"""The registers' pure parts: the information status a notice implies, and the filters read
leniently from a query (a bad value is a message, never an error)."""
from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from ppid.info_requests import registers, rules


@pytest.mark.parametrize("outcome, status", [
    (None, None), ("", None), ("bogus", None),
    (rules.DIKABULKAN, rules.InformationStatus.DIKUASAI),
    (rules.DIKABULKAN_SEBAGIAN, rules.InformationStatus.DIKUASAI),
    (rules.DITOLAK, rules.InformationStatus.DIKUASAI),
    (rules.TIDAK_DIKUASAI, rules.InformationStatus.TIDAK_DIKUASAI),
    (rules.BELUM_DIDOKUMENTASIKAN, rules.InformationStatus.BELUM_DIDOKUMENTASIKAN)])
def test_information_status_follows_the_notice(outcome, status):
    assert rules.information_status(outcome) is status


def test_columns_keep_the_perki_order_and_mark_the_personal_ones():
    keys = [c.key for c in registers.REQUEST_COLUMNS]
    assert keys == ["no", "received_on", "number", "name", "address", "contact",
                    "occupation", "information", "purpose", "info_status", "info_form",
                    "request_type", "decision", "refusal", "notice_on", "cost", "days"]
    assert [c.key for c in registers.REQUEST_COLUMNS if c.is_personal] == [
        "name", "address", "contact", "occupation"]
    assert [c.key for c in registers.OBJECTION_COLUMNS] == [
        "no", "received_on", "number", "name", "address", "contact", "request", "grounds",
        "statement", "atasan", "decision", "decided_on", "reply", "dispute"]
    assert registers.columns("permohonan", consolidated=True)[-1].key == "agency"


TODAY = date(2026, 12, 2)


def _parse(app, kind="permohonan", agencies=None, **args):
    with app.test_request_context():
        return registers.parse_filters(MultiDict(args), kind=kind, today=TODAY,
                                       agencies=agencies)


def test_good_filters(app):
    f = _parse(app, tahun="2025", bulan="2", status="selesai", keputusan="ditolak", page="3")
    assert (f.year, f.month, f.state, f.outcome, f.page, f.messages) == (
        2025, 2, "selesai", "ditolak", 3, [])
    assert (f.start, f.end) == (date(2025, 2, 1), date(2025, 2, 28))
    f = _parse(app)
    assert (f.year, f.month, f.start, f.end) == (2026, None, date(2026, 1, 1),
                                                 date(2026, 12, 31))
    f = _parse(app, kind="keberatan", putusan="belum")
    assert f.decision == registers.PENDING and not f.messages


@pytest.mark.parametrize("args", [
    {"tahun": "abc"}, {"tahun": "1999"}, {"tahun": "2101"}, {"tahun": "２０２６"},
    {"tahun": "2026" * 50}, {"bulan": "0"}, {"bulan": "13"}, {"page": "0"},
    {"page": "1_000"}, {"status": "bogus"}, {"keputusan": "DITOLAK"}])
def test_bad_filters_are_left_out_with_a_message(app, args):
    f = _parse(app, **args)
    assert len(f.messages) == 1
    assert (f.year, f.month, f.state, f.outcome, f.page) == (2026, None, None, None, 1)


def test_unknown_agency_and_decision(app):
    class A:
        slug, id = "dinkes", 1
    f = _parse(app, agencies=[A()], badan="dishub")
    assert f.agency is None and len(f.messages) == 1
    assert _parse(app, agencies=[A()], badan="dinkes").agency.id == 1
    assert _parse(app, badan="dinkes").agency is None  # one PPID's register: not a filter
    f = _parse(app, kind="keberatan", putusan="zzz")
    assert f.decision is None and len(f.messages) == 1
