"""The periodic report as DOCX and XLSX: they open, and hold the API's numbers; large
jurisdictions are queued and made by `townhall reports run`, with progress."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from tests.reception.test_api import StaffClient
from townhall.reports import documents, jobs
from townhall.reports.models import JobStatus, ReportJob

from .helpers import world_build

pytestmark = pytest.mark.django_db


def make(client, cast, **payload):
    staff = StaffClient(client, cast.province_inspector)
    body = {"unit": "293", "period": "year", "year": 2022, **payload}
    return staff, staff.post("/reports/documents", body)


def fetch(staff, url):
    return staff.client.get(url, HTTP_AUTHORIZATION=f"Bearer {staff.token}")


def api(client, kind, **params):
    query = {"unit": "293", "from": "2022-01-01", "to": "2022-12-31", **params}
    return client.get(f"/api/v1/reports/{kind}", query).json()


def test_the_docx_opens_and_holds_the_api_s_numbers(client, cast):
    world_build(cast)
    staff, response = make(client, cast)
    docx = fetch(staff, response.json()["docx"])
    assert docx["Content-Type"] == documents.DOCX_TYPE
    assert 'filename="bao-cao-293-year-2022.docx"' in docx["Content-Disposition"]
    doc = Document(io.BytesIO(docx.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in doc.tables[0].rows[0].cells[1].text
    assert "Độc lập - Tự do - Hạnh phúc" in doc.tables[0].rows[0].cells[1].text
    assert "BAN DÂN VẬN TỈNH ỦY" in doc.tables[0].rows[0].cells[0].text  # the requester's body
    assert re.search(
        r"Kim Thành, ngày \d{2} tháng \d{1,2} năm \d{4}", doc.tables[0].rows[0].cells[1].text
    )
    figures = api(client, "dialogues")
    assert "năm 2022" in text
    assert f"tổ chức {figures['conferences']} hội nghị" in text
    assert f"tiếp nhận {figures['opinions']} ý kiến" in text
    assert f"{figures['answered_at_conference']} ý kiến được trả lời trực tiếp tại hội nghị" in text
    assert "(đạt 71,4%)" in text
    assert (
        f"{figures['pending']} ý kiến đang được giải quyết ({figures['overdue']} ý kiến quá hạn)"
        in text
    )
    assert "tăng 1 hội nghị so với kỳ trước (1)" in text
    assert "Cấp huyện: 1 hội nghị" in text and "Cấp xã: 1 hội nghị" in text
    # The dialogue table: one row per unit and the totals, as the API gives them.
    table = doc.tables[1]
    assert [c.text for c in table.rows[0].cells][:3] == ["Đơn vị", "Hội nghị", "Ý kiến"]
    assert [c.text for c in table.rows[-1].cells] == [
        "Tổng cộng",
        *(str(figures[k]) for k, _ in documents.DIALOGUE_COLUMNS),
    ]
    own = table.rows[1].cells
    assert own[0].text == "Huyện Kim Thành (cấp mình)" and own[1].text == "1"
    assert len(doc.inline_shapes) == 1  # the chart
    petitions = api(client, "petitions")
    assert f"Tiếp nhận {petitions['petitions']} đơn" in text


def test_the_xlsx_opens_and_holds_the_api_s_numbers(client, cast):
    world_build(cast)
    staff, response = make(client, cast)
    xlsx = fetch(staff, response.json()["xlsx"])
    assert xlsx["Content-Type"] == documents.XLSX_TYPE
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Tổng hợp", "Đối thoại", "Tiếp công dân", "Đơn thư"]
    summary = {
        (row[0], row[2]): (row[3], row[4])
        for row in book["Tổng hợp"].iter_rows(min_row=5, values_only=True)
    }
    for kind, sheet in (
        ("dialogues", "Đối thoại"),
        ("reception", "Tiếp công dân"),
        ("petitions", "Đơn thư"),
    ):
        figures = api(client, kind)
        for key, _label in documents.SHEETS[kind][1]:
            assert summary[sheet, key] == (figures[key], figures["previous"][key]), (kind, key)
        rows = list(book[sheet].iter_rows(min_row=3, values_only=True))
        keys = [k for k, _ in documents.SHEETS[kind][1]]
        by_unit = {r[0]: dict(zip(keys, r[2:], strict=True)) for r in rows if r[0]}
        for row in figures["by_unit"]:
            assert by_unit[row["code"]] == {k: row[k] for k in keys}
        assert rows[-1][1] == "Tổng cộng" and list(rows[-1][2:]) == [figures[k] for k in keys]


@pytest.mark.parametrize(
    ("period", "month", "bounds", "label"),
    [
        ("month", 3, (dt.date(2022, 3, 1), dt.date(2022, 3, 31)), "tháng 3 năm 2022"),
        ("q1", None, (dt.date(2022, 1, 1), dt.date(2022, 3, 31)), "quý I năm 2022"),
        ("half", None, (dt.date(2022, 1, 1), dt.date(2022, 6, 30)), "6 tháng đầu năm 2022"),
        ("nine", None, (dt.date(2022, 1, 1), dt.date(2022, 9, 30)), "9 tháng năm 2022"),
        ("year", None, (dt.date(2022, 1, 1), dt.date(2022, 12, 31)), "năm 2022"),
    ],
)
def test_the_reporting_periods(period, month, bounds, label):
    assert documents.period_bounds(period, 2022, month) == bounds
    assert documents.period_label(period, 2022, month) == label


def test_a_six_month_report_counts_only_its_half_year(client, cast):
    world_build(cast)
    staff, response = make(client, cast, period="half")
    book = load_workbook(io.BytesIO(fetch(staff, response.json()["xlsx"]).content))
    summary = {row[2]: row[3] for row in book["Tổng hợp"].iter_rows(min_row=5, values_only=True)}
    assert summary["conferences"] == 1 and summary["opinions"] == 5  # A (June), not B


def test_vietnamese_numbers():
    assert documents.vn_number(1215) == "1.215"
    assert documents.vn_number(95.9) == "95,9"
    assert documents.vn_number(100.0) == "100"
    assert documents.vn_number(None) == "—"


def test_a_large_jurisdiction_is_queued_and_made_in_the_background(client, cast, monkeypatch):
    world_build(cast)
    monkeypatch.setattr(jobs, "SYNC_LIMIT", 0)
    staff, response = make(client, cast)
    assert response.status_code == 202
    job = response.json()
    assert (job["status"], job["progress"], job["docx"]) == ("queued", 0, None)
    early = fetch(staff, f"/api/v1/reports/documents/{job['id']}/docx")
    assert early.status_code == 409
    out = io.StringIO()
    call_command("reports", "run", stdout=out)
    assert "1 report(s) rendered" in out.getvalue()
    done = staff.get(f"/reports/documents/{job['id']}").json()
    assert (done["status"], done["progress"]) == ("done", 100)
    assert fetch(staff, done["docx"]).status_code == 200


def test_a_job_whose_worker_died_is_picked_up_again(cast, units):
    job = ReportJob.objects.create(
        unit=units["293"],
        period="q1",
        year=2022,
        requested_by=cast.province_inspector,
        status=JobStatus.RUNNING,
        attempts=1,
        lease_until=timezone.now() - dt.timedelta(minutes=1),
    )
    assert jobs.run_pending() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)
    assert jobs.run_pending() == 0


def test_a_failure_is_recorded_on_the_job(cast, units, monkeypatch):
    def broken(data):
        raise RuntimeError("disk full")

    monkeypatch.setattr(documents, "report_docx", broken)
    job = ReportJob.objects.create(
        unit=units["293"], period="year", year=2022, requested_by=cast.province_inspector
    )
    jobs.run_pending()
    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.FAILED, "disk full")
