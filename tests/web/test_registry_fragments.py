"""The agency page's registry section is rendered once per registry change and reused
until then, and never shows a viewer what was rendered for another kind of viewer."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from ppid.core import auth, public_cache
from ppid.core.models import Counter
from ppid.extensions import db
from ppid.registry import fragments, services
from ppid.registry import views as registry_views
from tests.conftest import login
from tests.web.test_registry_public import registry  # noqa: F401  (the fixture)
from tests.services.test_registry_staleness import published_item


@pytest.fixture
def renders(monkeypatch):
    """How many times the section's data were gathered (a cache miss each)."""
    fragments.sections.clear()
    count = []
    real = registry_views._profile_section_context
    monkeypatch.setattr(registry_views, "_profile_section_context",
                        lambda agency: count.append(agency.slug) or real(agency))
    yield count
    fragments.sections.clear()


def page(client, slug="dinkes-uji"):
    resp = client.get(f"/badan/{slug}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_views_reuse_the_section_until_the_registry_changes(client, registry, renders):
    first = page(client)
    assert "Profil Dinas Kesehatan 2026" in first and page(client) == first
    assert len(renders) == 1
    # A new publication (any flush of a registry record) makes a new generation.
    today = date.today()
    published_item(registry["agency"], None, today - timedelta(days=1),
                   title="Laporan keuangan triwulan")
    db.session.commit()
    fresh = page(client)
    assert "Laporan keuangan triwulan" in fresh and len(renders) == 2
    # Withdrawing it (a change of state) shows at once too.
    withdrawn_list = fresh.split("Informasi yang ditarik")[1]
    assert "Profil Dinas Kesehatan 2026" not in withdrawn_list
    services.withdraw_item(registry["current"], "Salah unggah", actor=None)
    db.session.commit()
    after = page(client)
    assert "Profil Dinas Kesehatan 2026" in after.split("Informasi yang ditarik")[1]
    assert len(renders) == 3


def test_a_change_written_by_another_process_is_seen(client, registry, renders):
    page(client)
    db.session.execute(sa.update(Counter).where(Counter.name == fragments.GENERATION)
                       .values(value=12345))  # as another worker's commit would
    db.session.commit()
    page(client)
    assert len(renders) == 2


def test_editors_anonymous_viewers_and_languages_each_get_their_own(client, registry,
                                                                    factories, renders):
    anonymous = page(client)
    assert "Kelola DIP badan ini" not in anonymous
    officer = factories.user(auth.HELPER, registry["agency"])
    db.session.commit()
    login(client, officer)
    assert "Kelola DIP badan ini" in page(client)
    client.post("/keluar")
    assert "Kelola DIP badan ini" not in page(client)
    client.post("/bahasa", data={"lang": "en", "next": "/badan/dinkes-uji"})
    english = page(client)
    assert english != anonymous
    assert len(renders) == 3  # anonymous (id), editor (id), anonymous (en)


def test_a_section_outlives_its_lifetime_only_by_being_made_anew(client, registry,
                                                                 renders, monkeypatch):
    monkeypatch.setattr(fragments.sections, "lifetime", 0.0)
    # ... and so does the anonymous reader's copy of the whole page (ppid.core.public_cache).
    monkeypatch.setattr(public_cache.pages(client.application), "lifetime", 0.0)
    page(client)
    page(client)
    assert len(renders) == 2
