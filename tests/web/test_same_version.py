"""A version whose content equals the current version's is refused, not stored again
(issue #15, section 4): the version history lists changes, not repeated uploads."""
import io
from datetime import timedelta

import pytest

from ppid.core import auth
from ppid.extensions import db
from ppid.registry import services
from ppid.registry.demo import _pdf_bytes
from tests.conftest import login
from tests.services.test_registry_staleness import TODAY, pdf_upload, published_item


def test_the_same_content_again_is_refused_by_the_service(factories):
    agency = factories.agency()
    item = published_item(agency, None, TODAY - timedelta(days=5), title="Laporan")
    with pytest.raises(services.RegistryError, match="sama dengan versi 1"):
        services.add_version(item, pdf_upload("Laporan versi 1", name="lagi.pdf"), "",
                             actor=None)
    # a different content is a new version; going back to an older content is one too
    services.add_version(item, pdf_upload("Laporan diperbaiki"), "", actor=None)
    services.add_version(item, pdf_upload("Laporan versi 1"), "kembali", actor=None)
    assert [v.number for v in item.versions] == [1, 2, 3]


def test_the_officer_is_told_through_the_web(client, factories):
    agency = factories.agency()
    officer = factories.user(auth.HELPER, agency)
    item = published_item(agency, None, TODAY - timedelta(days=5), title="Laporan")
    db.session.commit()
    login(client, officer)
    resp = client.post(f"/kelola/dip/{item.id}/unggah", data={
        "document": (io.BytesIO(_pdf_bytes(["Laporan versi 1"])), "sama.pdf"), "note": "x"},
        content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "sama dengan versi 1" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(type(item), item.id).versions) == 1
