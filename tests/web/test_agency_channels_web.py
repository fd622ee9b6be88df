"""The officers' page of an agency's official channels and the public profile that lists
them: agency A's officer adds, changes and removes A's channels (audited), not B's; a URL
off its platform's hosts, a bad handle or an unknown platform is a message next to its
field (Indonesian, or English), answered 422 with nothing written; the profile lists the
channels as labelled links; the E-Monev page shows the computation."""
import pytest
import sqlalchemy as sa

from ppid.agencies.models import AgencyChannel
from ppid.core import auth
from ppid.core.models import AuditEvent
from ppid.extensions import db
from tests.conftest import login


@pytest.fixture
def world(factories):
    utama = factories.agency(slug="utama-kanal", name="PPID Utama Kanal", kind="utama")
    a = factories.agency(slug="dinas-a-kanal", name="Dinas A Kanal", parent_id=utama.id)
    b = factories.agency(slug="dinas-b-kanal", name="Dinas B Kanal", parent_id=utama.id)
    officer_a = factories.user(auth.HELPER, a)
    officer_b = factories.user(auth.HELPER, b)
    main = factories.user(auth.MAIN, None)
    db.session.commit()
    return a, b, officer_a, officer_b, main


def live(agency_id):
    return db.session.execute(sa.select(AgencyChannel).where(
        AgencyChannel.agency_id == agency_id, AgencyChannel.removed_at.is_(None))
        .order_by(AgencyChannel.id)).scalars().all()


def test_an_officer_manages_the_agency_channels(client, world):
    a, b, officer_a, _officer_b, _main = world
    login(client, officer_a)
    page = client.get(f"/kelola/badan-publik/{a.slug}/kanal")
    assert page.status_code == 200 and "Belum ada kanal resmi" in page.get_data(as_text=True)
    resp = client.post(f"/kelola/badan-publik/{a.slug}/kanal", data={
        "platform": "instagram", "url": "www.instagram.com/dinasakanal",
        "handle": "@dinasakanal"})
    assert resp.status_code == 302
    [row] = live(a.id)
    assert row.url == "https://www.instagram.com/dinasakanal"
    resp = client.post(f"/kelola/badan-publik/{a.slug}/kanal", data={
        "platform": "youtube", "url": "https://www.youtube.com/@dinasakanal"})
    assert resp.status_code == 302
    # The public profile lists both as links named by platform and account.
    client.post("/keluar")
    html = client.get(f"/badan/{a.slug}").get_data(as_text=True)
    assert 'href="https://www.instagram.com/dinasakanal" rel="me noopener">Instagram: ' \
           '@dinasakanal<span class="sr-only"> (situs luar)</span></a>' in html
    assert 'href="https://www.youtube.com/@dinasakanal"' in html and ">YouTube<" in html
    login(client, officer_a)
    # Changed, then removed: gone from the profile, and every step is audited.
    resp = client.post(f"/kelola/badan-publik/{a.slug}/kanal/{row.id}", data={
        "platform": "instagram", "url": "https://www.instagram.com/dinasakanal.resmi",
        "handle": "@dinasakanal.resmi"})
    assert resp.status_code == 302
    assert client.post(f"/kelola/badan-publik/{a.slug}/kanal/{row.id}/hapus").status_code == 302
    assert [c.platform for c in live(a.id)] == ["youtube"]
    client.post("/keluar")
    assert "instagram.com/dinasakanal.resmi\"" not in client.get(f"/badan/{a.slug}").get_data(
        as_text=True)
    actions = [e.action for e in db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action.like("agency.channel%")).order_by(AuditEvent.id)).scalars()]
    assert actions == ["agency.channel_add", "agency.channel_add", "agency.channel_update",
                       "agency.channel_remove"]


def test_another_agency_is_refused(client, world):
    a, b, officer_a, officer_b, _main = world
    login(client, officer_b)
    assert client.get(f"/kelola/badan-publik/{a.slug}/kanal").status_code == 403
    assert client.post(f"/kelola/badan-publik/{a.slug}/kanal", data={
        "platform": "website", "url": "https://a.example.go.id"}).status_code == 403
    client.post("/keluar")
    login(client, officer_a)
    client.post(f"/kelola/badan-publik/{a.slug}/kanal", data={
        "platform": "website", "url": "https://a.example.go.id"})
    [row] = live(a.id)
    client.post("/keluar")
    login(client, officer_b)
    # B's officer reaches A's channel neither under A's slug nor under B's.
    assert client.post(f"/kelola/badan-publik/{a.slug}/kanal/{row.id}/hapus").status_code == 403
    assert client.post(f"/kelola/badan-publik/{b.slug}/kanal/{row.id}/hapus").status_code == 404
    assert client.get(f"/kelola/badan-publik/{b.slug}/kanal/{row.id}").status_code == 404
    assert len(live(a.id)) == 1


@pytest.mark.parametrize("data,field,message_id,message_en", [
    ({"platform": "instagram", "url": "https://www.facebook.com/dinas"}, "url",
     "Alamat Instagram harus di instagram.com", "The Instagram address must be on instagram.com"),
    ({"platform": "facebook", "url": "javascript:alert(1)"}, "url",
     "harus alamat web", "must be a web address"),
    ({"platform": "instagram", "url": "https://instagram.com/d", "handle": "<b>x</b>"},
     "handle", "Nama akun hanya huruf", "An account name has only letters"),
    ({"platform": "myspace", "url": "https://myspace.com/d"}, "platform",
     "Pilihan tidak valid", "Not a valid choice"),
    ({"platform": "website", "url": ""}, "url", "wajib", "required"),
])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_bad_input_is_a_message_next_to_its_field(client, world, data, field, message_id,
                                                  message_en, lang):
    a, _b, officer_a, _officer_b, _main = world
    login(client, officer_a)
    if lang == "en":
        client.post("/bahasa", data={"lang": "en", "next": "/"})
    resp = client.post(f"/kelola/badan-publik/{a.slug}/kanal", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert f'id="{field}-error"' in html
    assert (message_id if lang == "id" else message_en) in html
    assert live(a.id) == []


def test_the_ppid_utama_manages_any_agency_and_the_assessment_shows_the_channels(
        client, world):
    a, _b, _officer_a, _officer_b, main = world
    login(client, main)
    client.post(f"/kelola/badan-publik/{a.slug}/kanal", data={
        "platform": "website", "url": "https://dinas-a-kanal.example.go.id"})
    client.post(f"/kelola/badan-publik/{a.slug}/kanal", data={
        "platform": "tiktok", "url": "https://www.tiktok.com/@dinasakanal",
        "handle": "@dinasakanal"})
    assert len(live(a.id)) == 2
    html = client.get(f"/kelola/emonev/{a.slug}").get_data(as_text=True)
    assert "Situs web dan media sosial resmi badan publik aktif" in html
    assert "TikTok: https://www.tiktok.com/@dinasakanal (@dinasakanal)" in html
    assert "belum diperiksa pemeriksa tautan" in html
