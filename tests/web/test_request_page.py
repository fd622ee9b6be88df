"""The officer's request page (issue #17): the request, its deadline and only the actions
its state allows (rules.allowed_actions); the decision outcome first, a two-step form
without JavaScript (step 2 shows only the chosen outcome's fields, and keeps what was typed
when it is refused)."""
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.core.db import utcnow
from ppid.core.models import AuditEvent
from ppid.extensions import db
from ppid.info_requests import rules
from ppid.info_requests import services as rq
from ppid.info_requests.models import InfoRequest, RequestEvent
from ppid.info_requests.rules import RequestAction as A
from tests.conftest import login
from tests.web.test_markup_crawl import markup_problems

# What each action posts to (its form's action on the page).
ACTION_PATHS = {A.PROSES: "/proses", A.PUTUSKAN: "/keputusan", A.TUNJUK: "/tugaskan",
                A.TERUSKAN: "/teruskan", A.PERPANJANG: "/perpanjang", A.TARIK: "/tarik",
                A.SERAHKAN: "/serahkan", A.LAMPIRKAN: "/berkas",
                A.TINJAU_POKOK: "/tinjau-pokok"}


class _Forms(HTMLParser):
    """Each form's action and the names of the controls it would send."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._fieldsets = [], []  # (a control in a disabled fieldset is not sent)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get"),
                               "names": set()})
        elif tag == "fieldset":
            self._fieldsets.append("disabled" in a)
        elif tag in ("input", "select", "textarea") and self.forms and a.get("name"):
            if not any(self._fieldsets) and "disabled" not in a:
                self.forms[-1]["names"].add(a["name"])

    def handle_endtag(self, tag):
        if tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()


def forms_of(html):
    p = _Forms()
    p.feed(html)
    return p.forms


@pytest.fixture
def world(factories):
    utama = factories.agency(slug="diskominfo", name="Diskominfo Uji", kind="utama")
    dinkes = factories.agency(slug="dinkes", name="Dinas Kesehatan Uji", parent_id=utama.id,
                              atasan_position="Kepala Dinas")
    factories.agency(slug="dishub", name="Dinas Perhubungan Uji", parent_id=utama.id)

    class W:
        pass
    w = W()
    w.dinkes = dinkes
    w.officer = factories.user(auth.HELPER, dinkes, name="Budi Petugas")
    w.auditor = factories.user(auth.AUDITOR, None, name="Auditor")
    w.citizen = factories.user(auth.CITIZEN, None, name="Warga Uji", email="warga@uji.id")
    db.session.commit()
    return w


def new_request(w, info="Data kasus DBD per kabupaten tahun 2025."):
    req, _token = rq.submit_request({
        "name": "Siti Pemohon", "identity_type": "nik", "identity_number": "6171010203850001",
        "address": "Jl. Gajah Mada 12", "phone": "081234567890", "email": None,
        "occupation": "Guru", "proxy_name": None, "information": info, "purpose": "Penelitian",
        "obtain_method": "salinan", "copy_form": "softcopy", "delivery": "email",
        "agency": w.dinkes}, actor=w.citizen, now=utcnow(), requester_user=w.citizen)
    db.session.commit()
    return req


def in_state(w, state):
    req = new_request(w)
    now = utcnow()
    if state == rules.DIPROSES:
        rq.process_request(req, actor=w.officer, now=now)
    elif state == rules.DIPERPANJANG:
        cal = rq.build_calendar()
        rq.extend_request(req, rules.max_extended_due(cal, req.due_on), "Arsip di UPT.",
                          actor=w.officer, now=now)
    elif state == rules.DITERUSKAN:
        other = db.session.execute(sa.select(type(w.dinkes)).where(
            type(w.dinkes).slug == "dishub")).scalar_one()
        rq.forward_request(req, other, actor=w.officer, now=now)
        rq.forward_request(req, w.dinkes, actor=w.officer, now=now)
    elif state == rules.SELESAI:
        rq.close_request(req, rules.DIKABULKAN, {
            "response_note": "Rekap DBD", "info_form": "softcopy", "cost_per_page": 0,
            "pages": 3, "delivery_cost": 0, "available_on": now.date()},
            actor=w.officer, now=now)
    elif state == rules.DITARIK:
        rq.withdraw_request(req, actor=w.officer, now=now, note="Ditarik")
    db.session.commit()
    assert req.state == state
    return req


@pytest.mark.parametrize("state", list(rules.STATES))
def test_the_page_offers_only_the_actions_the_state_allows(client, world, state):
    req = in_state(world, state)
    allowed = rq.allowed_actions(req, today=rq.local_today(utcnow()))
    assert allowed == rules.allowed_actions(state, is_extended=req.extended_due_on is not None,
                                            outcome=req.outcome)
    login(client, world.officer)
    html = client.get(f"/kelola/permohonan/{req.id}").get_data(as_text=True)
    actions = {f["action"] for f in forms_of(html)}
    base = f"/kelola/permohonan/{req.id}"
    for action, path in ACTION_PATHS.items():
        assert (base + path in actions) == (action in allowed), (state, action, actions)
    for action in rules.RequestAction:  # each offered action is named by its label
        assert (str(action.label) in html) == (action in allowed) or action in (
            A.SERAHKAN, A.PUTUSKAN), (state, action)
    assert markup_problems(html) == [], state  # no id twice, no reference to nothing


def test_the_auditor_reads_the_page_without_any_action(client, world):
    req = in_state(world, rules.DIPROSES)
    login(client, world.auditor)
    html = client.get(f"/kelola/permohonan/{req.id}").get_data(as_text=True)
    assert forms_of(html) == [f for f in forms_of(html) if "/kelola/permohonan" not in
                              f["action"]]


def test_without_javascript_the_decision_form_asks_for_the_outcome_first(client, world):
    req = in_state(world, rules.DITERIMA)
    login(client, world.officer)
    html = client.get(f"/kelola/permohonan/{req.id}").get_data(as_text=True)
    step1 = [f for f in forms_of(html) if f["action"].endswith("/keputusan")]
    assert len(step1) == 1
    # the GET sends the outcome alone: no other field, and no CSRF token in a URL
    assert step1[0]["method"] == "get" and step1[0]["names"] == {"outcome"}
    assert "— pilih keputusan —" in html


@pytest.mark.parametrize("outcome", list(rules.OUTCOMES))
def test_step_two_shows_only_the_chosen_outcomes_fields(client, world, outcome):
    req = in_state(world, rules.DIPROSES)
    login(client, world.officer)
    resp = client.get(f"/kelola/permohonan/{req.id}/keputusan?outcome={outcome}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    post = [f for f in forms_of(html) if f["action"].endswith("/tutup")]
    assert len(post) == 1 and post[0]["method"] == "post"
    # (the test app runs without CSRF tokens; the browser tests post with them)
    assert post[0]["names"] - {"csrf_token"} == set(rules.decision_fields(outcome)) | {
        "outcome"}
    assert str(outcome.label) in html
    assert markup_problems(html) == []


def test_step_two_refuses_a_value_that_is_no_outcome(client, world):
    req = in_state(world, rules.DIPROSES)
    login(client, world.officer)
    for bad in ("entah", "", "dikabulkan%00"):
        resp = client.get(f"/kelola/permohonan/{req.id}/keputusan?outcome={bad}")
        assert resp.status_code == 400, bad
        html = resp.get_data(as_text=True)
        assert "Pilih keputusan yang valid." in html and 'aria-invalid="true"' in html
        # back at step 1: the choice again, nothing of any outcome's fields
        assert not [f for f in forms_of(html) if f["action"].endswith("/tutup")]
    assert client.get(f"/kelola/permohonan/{req.id}/keputusan").status_code == 200


def test_a_refused_decision_shows_its_outcome_again_with_what_was_typed(client, world):
    req = in_state(world, rules.DIPROSES)
    login(client, world.officer)
    events = db.session.execute(sa.select(sa.func.count()).select_from(RequestEvent)).scalar()
    resp = client.post(f"/kelola/permohonan/{req.id}/tutup", data={
        "outcome": "dikabulkan_sebagian", "response_note": "Rekap DBD tanpa nama pasien",
        "pages": "4", "exemption_letters": ["h"]})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    post = [f for f in forms_of(html) if f["action"].endswith("/tutup")]
    assert post[0]["names"] - {"csrf_token"} == set(
        rules.decision_fields(rules.DIKABULKAN_SEBAGIAN)) | {"outcome"}
    assert "Rekap DBD tanpa nama pasien" in html and 'value="4"' in html
    assert re.search(r'value="h"[^>]*checked|checked[^>]*value="h"', html)
    assert 'id="available_on-error"' in html and 'id="redacted_parts-error"' in html
    assert "holding_body" not in html  # no other outcome's field
    db.session.expire_all()
    assert db.session.get(InfoRequest, req.id).state == rules.DIPROSES
    assert db.session.execute(sa.select(sa.func.count()).select_from(
        RequestEvent)).scalar() == events  # nothing half-written


def test_step_two_posts_the_decision(client, world):
    req = in_state(world, rules.DITERIMA)
    login(client, world.officer)
    client.get(f"/kelola/permohonan/{req.id}/keputusan?outcome=tidak_dikuasai")
    resp = client.post(f"/kelola/permohonan/{req.id}/tutup", data={
        "outcome": "tidak_dikuasai", "holding_body": "BPS Provinsi"})
    assert resp.status_code == 302
    db.session.expire_all()
    req = db.session.get(InfoRequest, req.id)
    assert (req.state, req.outcome, req.holding_body) == ("selesai", "tidak_dikuasai",
                                                          "BPS Provinsi")
    # decided: the second step is not offered any more
    again = client.get(f"/kelola/permohonan/{req.id}/keputusan?outcome=ditolak")
    assert again.status_code == 302 and again.headers["Location"].endswith(
        f"/kelola/permohonan/{req.id}")
    assert "tidak dapat ditutup" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_a_closed_request_cannot_be_assigned(client, world):
    """Found while deriving the page's actions from the rules: nothing offered assigning an
    officer to a closed or withdrawn request, yet its route accepted it and wrote an event."""
    for state in (rules.SELESAI, rules.DITARIK):
        req = in_state(world, state)
        login(client, world.officer)
        before = (db.session.execute(sa.select(sa.func.count()).select_from(
            RequestEvent)).scalar(), db.session.execute(sa.select(sa.func.count()).select_from(
                AuditEvent)).scalar())
        resp = client.post(f"/kelola/permohonan/{req.id}/tugaskan",
                           data={"officer": world.officer.id})
        assert resp.status_code == 422, state
        assert "tidak dapat ditugaskan" in resp.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.get(InfoRequest, req.id).assigned_to_id is None
        assert (db.session.execute(sa.select(sa.func.count()).select_from(
            RequestEvent)).scalar(), db.session.execute(sa.select(sa.func.count()).select_from(
                AuditEvent)).scalar()) == before
        client.post("/keluar")


def test_the_decision_page_in_english(client, world):
    req = in_state(world, rules.DIPROSES)
    login(client, world.officer)
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    html = client.get(f"/kelola/permohonan/{req.id}/keputusan?outcome=ditolak").get_data(
        as_text=True)
    assert "Pilih keputusan" not in html and "— pilih" not in html
    with client.application.test_request_context():
        from flask_babel import force_locale
        with force_locale("en"):
            assert str(rules.Outcome.DITOLAK.label) in html
