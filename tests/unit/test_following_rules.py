"""Pure rules of following: when a digest is due, what makes two saved searches one, and
how a delivery report (RFC 3464 DSN, RFC 5965 ARF) is read."""
from datetime import date

from ppid.broadcasts import rules

DSN = b"""From: MAILER-DAEMON@mx.contoh.id
To: ppid@localhost
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-1@mx.contoh.id>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.contoh.id
Arrival-Date: Wed, 2 Dec 2026 10:00:00 +0700

Final-Recipient: rfc822; Hilang@Contoh.id
Original-Recipient: rfc822;hilang@contoh.id
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <hilang@contoh.id>:
  Recipient address rejected: User unknown

Final-Recipient: rfc822; penuh@contoh.id
Action: failed
Status: 4.2.2
Diagnostic-Code: smtp; 452 mailbox full

Final-Recipient: rfc822; lambat@contoh.id
Action: delayed
Status: 4.4.1

Final-Recipient: rfc822; sampai@contoh.id
Action: delivered
Status: 2.0.0

--B
Content-Type: text/rfc822-headers

From: PPID <ppid@localhost>
To: hilang@contoh.id
Subject: Ringkasan harian

--B--
"""

ARF = b"""From: feedback@mail.contoh.id
To: abuse@ppid.local
Subject: FW: Ringkasan harian
Message-ID: <arf-1@mail.contoh.id>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="F"

--F
Content-Type: text/plain

This is an email abuse report.

--F
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ContohFBL/1.0
Version: 1

--F
Content-Type: message/rfc822

From: PPID <ppid@localhost>
To: Pengadu@Contoh.id
Subject: Ringkasan harian

Isi.

--F--
"""


def test_daily_digest_is_due_once_a_day_weekly_once_in_seven():
    d = date(2026, 12, 2)
    assert rules.digest_due(rules.HARIAN, None, d)
    assert not rules.digest_due(rules.HARIAN, d, d)
    assert rules.digest_due(rules.HARIAN, date(2026, 12, 1), d)
    assert rules.digest_due(rules.MINGGUAN, None, d)
    assert not rules.digest_due(rules.MINGGUAN, date(2026, 11, 26), d)
    assert rules.digest_due(rules.MINGGUAN, date(2026, 11, 25), d)


def test_a_saved_search_is_its_words_and_filters_in_any_order():
    a = rules.search_key("Laporan  Keuangan", {"agency": "dinkes", "year": 2025})
    assert a == rules.search_key("laporan keuangan", {"year": "2025", "agency": "dinkes"})
    assert a != rules.search_key("laporan keuangan", {"agency": "dinkes"})
    assert a != rules.search_key("laporan", {"agency": "dinkes", "year": 2025})
    assert len(rules.target_of(None, search_key=a)) <= 40  # Subscription.target
    assert rules.target_of(3, 7) == "obligation:3:7"


def test_a_dsn_gives_each_recipient_its_bounce():
    report_id, reports = rules.parse_report(DSN)
    assert report_id == "<dsn-1@mx.contoh.id>"
    assert [(r.email, r.kind, r.status) for r in reports] == [
        ("hilang@contoh.id", rules.HARD, "5.1.1"),
        ("penuh@contoh.id", rules.SOFT, "4.2.2"),
        ("lambat@contoh.id", rules.SOFT, "4.4.1")]
    assert "User unknown" in reports[0].diagnostic


def test_an_arf_complaint_names_the_original_recipient():
    report_id, reports = rules.parse_report(ARF)
    assert report_id == "<arf-1@mail.contoh.id>"
    assert reports == [rules.Report("pengadu@contoh.id", rules.COMPLAINT, "abuse", "")]


def test_other_mail_is_no_report():
    assert rules.parse_report(b"From: a@b.id\nSubject: Out of office\n\nI am away.\n")[1] == []
    assert rules.parse_report(b"\x00\xff garbage")[1] == []
    assert rules.parse_report(DSN.replace(b"Final-Recipient: rfc822; Hilang@Contoh.id",
                                          b"Final-Recipient: rfc822; bukan alamat"))[1][0].email \
        == "penuh@contoh.id"


def test_suspension_after_the_limit_of_hard_bounces():
    assert not rules.should_suspend(2, 3)
    assert rules.should_suspend(3, 3)
    assert not rules.should_suspend(99, 0)  # 0: never suspended


def test_subscription_state():
    assert rules.state_of(None, None, None) == rules.MENUNGGU
    assert rules.state_of(1, None, None) == rules.AKTIF
    assert rules.state_of(1, None, 2) == rules.DITANGGUHKAN
    assert rules.state_of(1, 2, 2) == rules.BERHENTI
