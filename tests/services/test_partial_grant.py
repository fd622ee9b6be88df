"""A partial grant keeps everything the officer entered (issue #15, section 1): the
consequence of opening the withheld part and another statute reach the record and the
written notice (Perki 1/2021 Pasal 49: the withheld part rests on a consequence test)."""
from tests.services.test_requests_services import (DECREED_DIK, GRANT, _close,  # noqa: F401
                                                   _letter_text,
                                                   submit, world)


def test_the_withheld_parts_consequence_reaches_the_record_and_the_notice(world, pdftotext):
    partial = _close(submit(world.dinkes)[0], "dikabulkan_sebagian", {
        **GRANT, **DECREED_DIK, "exemption_letters": ["h"], "redacted_parts": "Nama dan alamat pasien",
        "redaction_reason": "Rahasia pribadi pasien",
        "exemption_consequence": "Pasien dapat distigma bila namanya dibuka",
        "other_statute": "UU No. 17 Tahun 2023 tentang Kesehatan"}, world)
    assert partial.exemption_consequence == "Pasien dapat distigma bila namanya dibuka"
    assert partial.other_statute == "UU No. 17 Tahun 2023 tentang Kesehatan"
    text = _letter_text(partial, "pemberitahuan", pdftotext)
    for needle in ("Nama dan alamat pasien", "Pasien dapat distigma bila namanya dibuka",
                   "UU No. 17 Tahun 2023 tentang Kesehatan"):
        assert needle in text, needle
