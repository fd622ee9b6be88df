"""Letters a requester can rely on (issue #15, section 2; DOMAIN.md section 13), read back
from their PDFs with pdftotext: every letter has an outgoing number drawn gap-free per PPID
and year (a rolled-back decision takes its number back), the signatory's name, position and
NIP (the PPID's named official first, else the acting officer's profile), the place and
date, no raw code, and no signature alone on a page; the atasan's response is on the
atasan's letterhead."""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.core.enums import REGISTRY
from ppid.extensions import db
from ppid.info_requests import rules, services
from ppid.info_requests.models import InfoRequest, Letter
from tests.conftest import make_user
from tests.services.test_requests_services import (GRANT, NEW_DIK, _close,  # noqa: F401
                                                   _letter_text, at, submit, world)

KINDS = {k.value for k in rules.LetterKind}


def _pdf_text(pdftotext, letter):
    return " ".join(pdftotext(services.letter_pdf(letter)).split())


def _reading_text(letter):
    """The PDF's text in reading order (pdftotext without -layout: a table cell's lines
    stay together instead of interleaving with the next column's)."""
    import subprocess
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(services.letter_pdf(letter))
        f.flush()
        out = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, check=True)
    return " ".join(out.stdout.decode("utf-8").split())


def _codes():
    """Stored codes a letter must never print (it prints labels): every enumeration's
    compound codes (``dikabulkan_sebagian``, ``tanda_bukti``, ...), which are no words."""
    return {str(m.value) for enum in REGISTRY.values() for m in enum if "_" in str(m.value)}


# The receipt prints each enumerated field of the request by its label (Indonesian).
RECEIPT_FIELDS = (("identity_type", rules.IdentityType), ("obtain_method", rules.ObtainMethod),
                  ("delivery", rules.DeliveryMethod), ("channel", rules.Channel))


def test_every_letter_of_the_demo_data_is_an_official_letter(app, ctx, monkeypatch,
                                                             pdftotext):
    import ppid.demo
    from ppid.core.hooks import hooks
    from ppid.info_requests.demo import seed_requests
    from ppid.registry.demo import seed_registry
    monkeypatch.setattr(hooks(app), "seeders", [seed_registry, seed_requests])
    ppid.demo.seed_demo()
    letters = db.session.execute(sa.select(Letter).order_by(Letter.id)).scalars().all()
    assert {x.kind for x in letters} == KINDS  # every type occurs in the demo
    codes = _codes()
    for letter in letters:
        text = _pdf_text(pdftotext, letter)
        where = f"{letter.kind} {letter.number}"
        assert letter.number and f"Nomor: {letter.number}" in text, where
        assert letter.signatory_name and letter.signatory_nip, where
        assert letter.signatory_name in text and f"NIP {letter.signatory_nip}" in text, where
        assert letter.signatory_position in text, where
        assert ("Ditetapkan di Pontianak" in text) == (letter.kind == "penolakan"), where
        assert re.search(r"Pontianak(,| pada tanggal) \d{1,2} \w+ \d{4}", text), where
        leaked = [c for c in codes if re.search(rf"(?<![\w/-]){re.escape(c)}(?![\w/-])", text)]
        assert not leaked, (where, leaked)
        assert "None" not in text, where
        if letter.kind == "tanda_bukti":
            for name, enum in RECEIPT_FIELDS:
                assert enum.get(getattr(letter.request, name)).text("id") in text, (where,
                                                                                   name)
        # One page where the content fits (all of the demo's letters do) ...
        assert "Hal. 1 dari 1" in text, (where, text[-300:])
        # ... and the signature block stands with the letter's text, never cut.
        start = text.index("Ditetapkan di" if letter.kind == "penolakan" else "Pontianak, ")
        assert "Hal. " not in text[start:text.index("Dokumen ini diterbitkan")], where
    # One series per PPID and year, numbered 1, 2, 3 ... without a gap.
    series = {}
    for letter in letters:
        series.setdefault((letter.agency_id, letter.year), []).append(letter.seq)
    for key, seqs in series.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), key
    # The atasan's response is on the atasan's letterhead, not the PPID's.
    response = next(x for x in letters if x.kind == "putusan_keberatan"
                    and x.request.agency.slug == "dinkes")
    head = _pdf_text(pdftotext, response).split("TANGGAPAN ATASAN PPID")[0]
    assert "Dinas Kesehatan Provinsi Kalimantan Barat" in head and "(PPID)" not in head
    # The dinkes refusal rests on the DIK entry of its register, printed in the decree.
    decree = next(x for x in letters if x.kind == "penolakan"
                  and x.request.agency.slug == "dinkes")
    text = _reading_text(decree)
    entry = decree.request.exemption
    assert entry is not None and entry.agency_id == decree.request.agency_id
    flat = "".join(text.split())  # (a line may break after a slash of the decree number)
    for needle in (entry.decree_number, entry.public_interest, entry.information):
        assert "".join(needle.split()) in flat, needle


def test_letter_numbers_are_gap_free_per_ppid_and_year_and_a_rollback_takes_its_back(world):
    first, _ = submit(world.dinkes)
    assert first.letters[0].number == "001/TBP/PPID-DINKES/2026"
    refused, _ = submit(world.dinkes)
    other, _ = submit(world.disdik)  # another PPID: its own series
    assert other.letters[0].number == "001/TBP/PPID-DISDIKBUD/2026"
    services.close_request(refused, "ditolak", {
        **NEW_DIK, "exemption_letters": ["h"], "exemption_consequence": "Rahasia pribadi"},
        actor=world.officer, now=at(2026, 3, 17))
    db.session.rollback()  # the decision is not kept: neither are its two numbers
    refused = db.session.get(InfoRequest, refused.id)
    assert [x.kind for x in refused.letters] == ["tanda_bukti"]
    _close(refused, "ditolak", {**NEW_DIK, "exemption_letters": ["h"],
                                "exemption_consequence": "Rahasia pribadi"}, world)
    numbers = {x.kind: x.number for x in refused.letters}
    assert numbers == {"tanda_bukti": "002/TBP/PPID-DINKES/2026",
                       "penolakan": "003/SK-TOLAK/PPID-DINKES/2026",  # drawn first: the
                       "pemberitahuan": "004/PT/PPID-DINKES/2026"}  # notice cites it
    # The notice names the decree; the DIK entry made by the refusal is decreed by it.
    assert refused.exemption.decree_number == numbers["penolakan"]
    assert numbers["penolakan"] in refused.letters[1].html  # (the notice)
    later, _ = submit(world.dinkes, now=at(2027, 1, 4))  # a new year: a new series
    assert later.letters[0].number == "001/TBP/PPID-DINKES/2027"
    rows = db.session.execute(sa.select(Letter.agency_id, Letter.year, Letter.seq)).all()
    assert len(rows) == len(set(rows))


def test_the_number_format_and_kind_codes_are_settings(app, world):
    app.config["LETTER_NUMBER_FORMAT"] = "{ppid}/{kind}/{month_roman}/{year}/{seq:04d}"
    app.config["LETTER_KIND_CODES"] = {**app.config["LETTER_KIND_CODES"], "tanda_bukti": "TB"}
    world.dinkes.letter_code = "DKS"
    try:
        req, _ = submit(world.dinkes)
        assert req.letters[0].number == "DKS/TB/III/2026/0001"
    finally:
        from ppid.config import Defaults
        app.config["LETTER_NUMBER_FORMAT"] = Defaults.LETTER_NUMBER_FORMAT
        app.config["LETTER_KIND_CODES"] = Defaults.LETTER_KIND_CODES
    codes = dict(app.config["LETTER_KIND_CODES"])
    for bad in ("{kind}/{year}", "{seq}/{unknown}", "{seq:d"):
        with pytest.raises(ValueError):
            rules.check_letter_number_format(bad, codes)
    with pytest.raises(ValueError, match="putusan_keberatan"):
        rules.check_letter_number_format("{seq}", {k: v for k, v in codes.items()
                                                   if k != "putusan_keberatan"})


def test_the_signatory_is_the_ppids_official_else_the_acting_officer(world, pdftotext):
    officer = world.officer
    officer.position, officer.nip = "Kepala Subbagian Umum", "198503122010011003"
    req, _ = services.submit_request(
        {**__import__("tests.services.test_requests_services",
                      fromlist=["data_for"]).data_for(world.dinkes)},
        actor=officer, now=at(2026, 3, 16), channel="langsung")
    db.session.commit()
    receipt = _letter_text(req, "tanda_bukti", pdftotext)
    # The officer who received it signs it and is named as its receiver (Perki form).
    assert "Budi Petugas" in receipt and "NIP 198503122010011003" in receipt
    assert "Kepala Subbagian Umum" in receipt and "Petugas penerima" in receipt
    world.dinkes.signatory_name = "dr. Maria Ulfa"
    world.dinkes.signatory_position = "Sekretaris Dinas Kesehatan selaku PPID Pelaksana"
    world.dinkes.signatory_nip = "197804042003122002"
    db.session.commit()
    _close(req, "dikabulkan", GRANT, world)
    notice = _letter_text(req, "pemberitahuan", pdftotext)
    # The PPID's named official takes precedence over the acting officer.
    assert "dr. Maria Ulfa" in notice and "NIP 197804042003122002" in notice
    assert "Sekretaris Dinas Kesehatan selaku PPID Pelaksana" in notice
    letter = next(x for x in req.letters if x.kind == "pemberitahuan")
    assert (letter.signatory_name, letter.signatory_nip) == ("dr. Maria Ulfa",
                                                            "197804042003122002")
    # The atasan's response: the atasan (agency settings first), on the atasan's letterhead.
    refused = _close(submit(world.dinkes)[0], "ditolak", {
        **NEW_DIK, "exemption_letters": ["h"], "exemption_consequence": "Rahasia"}, world)
    obj = services.file_objection(refused, ["a"], "Mohon dibuka.", actor=None,
                                  now=at(2026, 3, 20))
    world.dinkes.atasan_name = "dr. Hendra Wijaya, M.Kes."
    world.dinkes.atasan_nip = "197201051998031004"
    world.dinkes.atasan_office = "Kepala Dinas Kesehatan Provinsi Kalimantan Barat"
    world.dinkes.atasan_address = "Jl. Letjen Sutoyo, Pontianak"
    services.decide_objection(obj, "menguatkan", "Data pribadi pasien.", actor=world.atasan,
                              now=at(2026, 3, 27))
    db.session.commit()
    text = _letter_text(refused, "putusan_keberatan", pdftotext)
    head = text.split("TANGGAPAN ATASAN PPID")[0]
    assert "Kepala Dinas Kesehatan Provinsi Kalimantan Barat" in head
    assert "Jl. Letjen Sutoyo" in head and "(PPID)" not in head
    assert "dr. Hendra Wijaya, M.Kes." in text and "NIP 197201051998031004" in text


def test_the_receipt_and_the_notice_say_what_the_perki_forms_say(world, pdftotext):
    req, _ = submit(world.dinkes)  # online: no officer received it
    receipt = _letter_text(req, "tanda_bukti", pdftotext)
    for needle in ("Hak Anda sebagai pemohon", "10 (sepuluh) hari kerja", "7 April 2026",
                   "7 (tujuh) hari kerja", "mengajukan keberatan", "Komisi Informasi",
                   "Petugas penerima", "layanan permohonan daring"):
        assert needle in receipt, needle
    granted = _close(req, "dikabulkan", {**GRANT, "other_costs": 2500,
                                         "payment_method": "transfer"}, world)
    assert granted.total_cost == 500 * 40 + 15000 + 2500
    notice = _letter_text(granted, "pemberitahuan", pdftotext)
    for needle in ("Dikuasai badan publik ini", "Biaya lain-lain", "Rp 2.500", "Rp 37.500",
                   "Cara pembayaran", "Transfer ke rekening kas daerah", "Waktu penyediaan",
                   "30 Maret 2026", "Cara penyampaian", "E-mail", "Hardcopy"):
        assert needle in notice, needle
    elsewhere = _close(submit(world.dinkes)[0], "tidak_dikuasai",
                       {"holding_body": "BPS Provinsi Kalimantan Barat"}, world)
    assert ("Tidak dikuasai badan publik ini (dikuasai badan publik lain), yaitu BPS "
            "Provinsi Kalimantan Barat") in _letter_text(elsewhere, "pemberitahuan", pdftotext)
    free = _close(submit(world.dinkes)[0], "dikabulkan", {
        **GRANT, "cost_per_page": 0, "delivery_cost": 0, "payment_method": None}, world)
    assert free.payment_method == "tanpa_biaya"
    assert "Tanpa biaya" in _letter_text(free, "pemberitahuan", pdftotext)


def test_a_signatory_without_profile_leaves_the_office_and_no_stray_text(world, pdftotext):
    helper = make_user(auth.HELPER, world.dinkes, name="Tanpa Profil")
    db.session.commit()
    req = _close(submit(world.dinkes)[0], "dikabulkan", GRANT,
                 type("W", (), {"officer": helper})())
    text = _letter_text(req, "pemberitahuan", pdftotext)
    assert "Tanpa Profil" in text and "NIP" not in text.split("Tanpa Profil")[1][:10]
    assert "Pejabat Pengelola Informasi dan Dokumentasi Dinas Kesehatan Uji" in text
    assert date(2026, 3, 17) == req.closed_on
