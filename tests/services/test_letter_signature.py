"""Letters say where and when they are signed, and only a decree says "Ditetapkan"
(issue #15, section 2): the SK penolakan is a decree; the receipt, the written notice and
the extension notice are letters, dated "<place>, <date>"."""
from tests.services.test_requests_services import (GRANT, NEW_DIK, _close,  # noqa: F401
                                                   _letter_text,
                                                   submit, world)


def test_only_the_decree_says_ditetapkan_and_every_letter_its_place(world, pdftotext):
    granted = _close(submit(world.dinkes)[0], "dikabulkan", GRANT, world)
    refused = _close(submit(world.dinkes)[0], "ditolak", {**NEW_DIK,
        "exemption_letters": ["h"], "exemption_consequence": "Mengungkap rahasia pribadi"},
        world)
    for req, kind in ((granted, "tanda_bukti"), (granted, "pemberitahuan"),
                      (refused, "pemberitahuan")):
        text = _letter_text(req, kind, pdftotext)
        assert "Ditetapkan" not in text, kind
        assert "Pontianak, " in text, kind
    decree = _letter_text(refused, "penolakan", pdftotext)
    assert "Ditetapkan di Pontianak pada tanggal" in decree
