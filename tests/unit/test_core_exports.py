"""Every CSV the registry serves is written by one formula-safe writer and sent one way."""
import re
from pathlib import Path

from ppid.core.exports import csv_response, csv_text

ROOT = Path(__file__).resolve().parents[2]


def test_cells_that_a_spreadsheet_would_run_are_defused():
    text = csv_text([["=1+1", "+62 812", "-5", "@SUM(A1)", "Dinas Kesehatan", 7]])
    assert text.strip() == "'=1+1,'+62 812,'-5,'@SUM(A1),Dinas Kesehatan,7"


def test_a_csv_response_is_utf8_with_a_bom_and_one_content_type(app):
    with app.test_request_context():
        resp = csv_response([["nama"], ["Badan Pengelolaan Keuangan dan Aset Daerah"]],
                            "uji.csv")
    assert resp.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"]
    assert resp.headers["Content-Disposition"] == 'attachment; filename="uji.csv"'
    assert resp.get_data().startswith("\ufeffnama".encode("utf-8"))


def test_no_module_writes_csv_by_itself():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "ppid").rglob("*.py")
                 if p.name != "exports.py"
                 and re.search(r"csv\.writer|csv\.DictWriter|text/csv;", p.read_text("utf-8"))]
    assert not offenders, f"CSV written outside ppid/core/exports.py: {offenders}"
