"""The invitation, the minutes and the conclusion notice as DOCX, in the layout of Decree
30/2020/NĐ-CP on administrative documents: A4, Times New Roman 13–14 pt, the issuing body and
number on the left, the national title and motto on the right, the place-date line, the title,
the body, the signature block and the recipients ("Nơi nhận").

Party committees formally follow the Party's own guidance (Hướng dẫn 36-HD/VPTW, with "ĐẢNG CỘNG
SẢN VIỆT NAM" in place of the national title); the state layout is used for every host here.
"""

import datetime as dt
import io

from django.utils import timezone
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .models import ChairRole, Conference, Outcome

FONT = "Times New Roman"
BODY_PT = 14
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
_UNIT_PREFIXES = (
    "Thành phố ",
    "Thị xã ",
    "Thị trấn ",
    "Huyện ",
    "Quận ",
    "Phường ",
    "Xã ",
    "Tỉnh ",
    "Đặc khu ",
)


# --- the pieces of the layout ---------------------------------------------------------------
def place_name(conference: Conference) -> str:
    """The place in the date line: the host unit's name without its kind ("Kim Thành")."""
    name = conference.host_unit.name
    for prefix in _UNIT_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def vn_date(day: dt.date) -> str:
    """Decree 30: days below 10 and the months January and February take a leading zero."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def date_line(place: str, day: dt.date) -> str:
    return f"{place}, {vn_date(day)}"


def _new_document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(BODY_PT)
    # The East Asian slot too, or Word substitutes another face for Vietnamese letters.
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(6)
    return doc


def _para(container, text="", *, bold=False, italic=False, size=None, align=None, upper=False):
    paragraph = container.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if text:
        run = paragraph.add_run(text.upper() if upper else text)
        run.bold, run.italic = bold, italic
        run.font.name = FONT
        if size:
            run.font.size = Pt(size)
    return paragraph


def _header(doc, conference: Conference, number: str, day: dt.date) -> None:
    """Issuing body and number | national title, motto and the place-date line."""
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    left.width, right.width = Mm(65), Mm(100)
    center = WD_ALIGN_PARAGRAPH.CENTER
    left.paragraphs[0].text = ""
    _para(left, conference.host_agency.name, bold=True, size=13, align=center, upper=True)
    _para(left, "______", align=center, size=13)
    _para(left, f"Số: {number}" if number else "Số:      ", size=13, align=center)
    _para(right, NATIONAL_TITLE, bold=True, size=13, align=center)
    _para(right, MOTTO, bold=True, size=14, align=center)
    _para(right, "______________________", align=center, size=13)
    _para(right, date_line(place_name(conference), day), italic=True, size=14, align=center)


def _title(doc, title: str, subtitle: str = "") -> None:
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc)
    _para(doc, title, bold=True, size=14, align=center, upper=True)
    if subtitle:
        _para(doc, subtitle, bold=True, size=14, align=center)
    _para(doc, "__________", align=center)


def _signature(doc, *, on_behalf: str, title: str, name: str, recipients: list[str]) -> None:
    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.paragraphs[0].text = ""
    _para(left, "Nơi nhận:", bold=True, italic=True, size=12)
    for line in [*recipients, "Lưu: VT."]:
        _para(left, f"- {line}", size=11)
    center = WD_ALIGN_PARAGRAPH.CENTER
    right.paragraphs[0].text = ""
    if on_behalf:
        _para(right, on_behalf, bold=True, size=14, align=center, upper=True)
    _para(right, title, bold=True, size=14, align=center, upper=True)
    _para(right, "(Đã ký)", italic=True, align=center)
    _para(right)
    _para(right, name, bold=True, align=center)


def _bytes(doc) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _chairs(conference: Conference):
    return list(conference.chairings.select_related("user").order_by("order", "pk"))


def _chair_line(conference: Conference) -> str:
    chairs = _chairs(conference)
    main = [c.display for c in chairs if c.role == ChairRole.CHAIR]
    co = [c.display for c in chairs if c.role == ChairRole.CO_CHAIR]
    line = "Chủ trì: " + ", ".join(main)
    return line + (f"; đồng chủ trì: {', '.join(co)}" if co else "")


def _when_where(conference: Conference) -> list[str]:
    starts = timezone.localtime(conference.starts_at)
    venue = "trực tuyến" if conference.is_online else conference.venue
    if conference.is_online and conference.venue:
        venue = f"trực tuyến, điểm cầu chính tại {conference.venue}"
    return [
        f"Thời gian: {starts:%H} giờ {starts:%M}, {vn_date(starts.date())}.",
        f"Địa điểm: {venue}.",
    ]


def _chair_signature(conference: Conference) -> tuple[str, str]:
    chair = next((c for c in _chairs(conference) if c.role == ChairRole.CHAIR), None)
    if chair is None:
        return "", ""
    return chair.display, chair.user.get_full_name()


def _recipients(conference: Conference, *extra) -> list[str]:
    names = [a.name for a in conference.organisers.order_by("name")]
    return [*names, *(e for e in extra if e and e not in names)]


# --- the three documents --------------------------------------------------------------------
def invitation_docx(conference: Conference) -> bytes:
    doc = _new_document()
    day = timezone.localdate(conference.announced_at or timezone.now())
    _header(doc, conference, conference.invitation_number, day)
    _title(doc, "Giấy mời", f"Dự {conference.title}")
    audience = conference.audience_description or conference.get_audience_kind_display()
    _para(doc, f"Kính gửi: {audience}.", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(
        doc,
        f"{conference.host_agency.name} trân trọng kính mời đại biểu, nhân dân dự "
        f"{conference.title[0].lower()}{conference.title[1:]}.",
    )
    for line in [_chair_line(conference), *_when_where(conference)]:
        _para(doc, line)
    topics = ", ".join(t.name for t in conference.topics.all())
    if topics:
        _para(doc, f"Nội dung: đối thoại về {topics}.")
    if conference.expected_attendance:
        _para(doc, f"Số lượng dự kiến: {conference.expected_attendance} người.")
    _para(doc, "Rất mong được đón tiếp.")
    title, name = _chair_signature(conference)
    _signature(
        doc,
        on_behalf=f"TM. {conference.host_agency.name}",
        title=_office(title),
        name=name or title,
        recipients=_recipients(conference, "Như kính gửi"),
    )
    return _bytes(doc)


def minutes_docx(conference: Conference) -> bytes:
    doc = _new_document()
    held = conference.held_at or conference.starts_at
    _header(doc, conference, "", timezone.localdate(held))
    _title(doc, "Biên bản", conference.title)
    for line in [*_when_where(conference), _chair_line(conference)]:
        _para(doc, line)
    if conference.attendance is not None:
        _para(doc, f"Số người dự: {conference.attendance}.")
    _para(doc, "Nội dung:", bold=True)
    if conference.minutes:
        for block in conference.minutes.splitlines():
            if block.strip():
                _para(doc, block.strip())
    opinions = conference.opinions.select_related("petition", "assignee").order_by("number")
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells, ("STT", "Ý kiến", "Kết quả", "Trả lời / giao"), strict=True
    ):
        cell.text = ""
        _para(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=12)
    for o in opinions:
        cells = table.add_row().cells
        if o.outcome == Outcome.ANSWERED:
            result, detail = "Trả lời tại hội nghị", f"{o.answered_by}: {o.answer}"
        elif o.outcome == Outcome.DEFERRED:
            result = "Giao giải quyết"
            detail = f"{o.assignee.name}, hạn {o.deadline:%d/%m/%Y}. {o.expected_result}".strip()
        else:
            result, detail = "Chưa có kết quả", ""
        for cell, text in zip(cells, (str(o.number), o.petition.text, result, detail), strict=True):
            cell.text = ""
            _para(cell, text, size=12)
    _para(doc)
    title, name = _chair_signature(conference)
    table = doc.add_table(rows=1, cols=2)
    for cell, heading, who in zip(
        table.rows[0].cells, ("THƯ KÝ", "CHỦ TRÌ HỘI NGHỊ"), ("", name or title), strict=True
    ):
        cell.text = ""
        _para(cell, heading, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        _para(cell, "(Đã ký)", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        _para(cell, who, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    return _bytes(doc)


def conclusion_docx(conference: Conference) -> bytes:
    conclusion = conference.conclusion
    doc = _new_document()
    _header(doc, conference, conclusion.number, conclusion.signed_on)
    chair_title = conclusion.signer_title or _chair_signature(conference)[0]
    _title(
        doc,
        "Thông báo kết luận",
        f"của đồng chí {chair_title} tại {conference.title[0].lower()}{conference.title[1:]}",
    )
    for line in [*_when_where(conference), _chair_line(conference)]:
        _para(doc, line)
    for block in conclusion.text.splitlines():
        if block.strip():
            _para(doc, block.strip())
    directives = list(conclusion.directives.select_related("assignee").order_by("number"))
    if directives:
        _para(doc, "Giao nhiệm vụ:", bold=True)
        table = doc.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        headings = ("STT", "Nội dung", "Cơ quan thực hiện", "Thời hạn", "Kết quả cần đạt")
        for cell, text in zip(table.rows[0].cells, headings, strict=True):
            cell.text = ""
            _para(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=12)
        for d in directives:
            values = (
                str(d.number),
                d.text,
                d.assignee.name,
                d.deadline.strftime("%d/%m/%Y"),
                d.expected_result,
            )
            for cell, text in zip(table.add_row().cells, values, strict=True):
                cell.text = ""
                _para(cell, text, size=12)
    _para(
        doc,
        "Các cơ quan, đơn vị được giao nhiệm vụ báo cáo kết quả thực hiện đúng thời hạn; "
        "công khai kết quả đối thoại theo quy định.",
    )
    name = conclusion.signed_by.get_full_name() if conclusion.signed_by else ""
    _signature(
        doc,
        on_behalf=f"TM. {conference.host_agency.name}",
        title=_office(chair_title),
        name=name or chair_title,
        recipients=_recipients(conference, *(d.assignee.name for d in directives)),
    )
    return _bytes(doc)


def _office(title: str) -> str:
    """The office in the signature block: "Bí thư Huyện ủy Kim Thành" → "Bí thư"."""
    for office in ("Phó Bí thư", "Bí thư", "Phó Chủ tịch", "Chủ tịch", "Trưởng ban", "Giám đốc"):
        if title.startswith(office):
            return office
    return title


DOCUMENTS = {
    "invitation": ("giay-moi", invitation_docx),
    "minutes": ("bien-ban", minutes_docx),
    "conclusion": ("thong-bao-ket-luan", conclusion_docx),
}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
