"""Letter layout (issue #15, section 2), read back from the PDF: a receipt whose content
fits one page is one page, and the signature block is never cut or left alone on a page."""
from tests.services.test_requests_services import (GRANT, NEW_DIK, _close,  # noqa: F401
                                                   _letter_text,
                                                   submit, world)


def test_the_receipt_is_one_page_and_the_signature_stays_whole(world, pdftotext):
    req = submit(world.dinkes)[0]
    text = _letter_text(req, "tanda_bukti", pdftotext)
    assert "Hal. 1 dari 1" in text, text[-400:]
    granted = _close(submit(world.dinkes)[0], "dikabulkan", GRANT, world)
    refused = _close(submit(world.dinkes)[0], "ditolak", {**NEW_DIK,
        "exemption_letters": ["a", "h"], "exemption_consequence": "Mengganggu penyidikan " * 40,
        "other_statute": "UU Kesehatan"}, world)
    for letter, kind in ((req, "tanda_bukti"), (granted, "pemberitahuan"),
                         (refused, "pemberitahuan"), (refused, "penolakan")):
        text = _letter_text(letter, kind, pdftotext)
        start = text.index("Ditetapkan di" if kind == "penolakan" else "Pontianak, ")
        block = text[start:text.index("Dokumen ini diterbitkan")]
        assert "Hal. " not in block, (kind, block)  # no page break inside the signature
        page = text[:start].rsplit("Hal. ", 1)[-1]  # the signature's page, before it
        assert len(page) > 60, (kind, page)  # text of the letter on its page: not alone
