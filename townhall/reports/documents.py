"""The periodic report for a jurisdiction — monthly, first quarter, 6 months, 9 months, year — as
DOCX in the administrative layout (Decree 30/2020/NĐ-CP, as `townhall.dialogues.documents`) and
as XLSX.

Both are rendered from one `ReportData`, built from `statistics.with_previous` (the same
functions the API answers with), so a figure in the document is the figure the API gives. The
narrative sentences are filled from those numbers; the chart is a PNG drawn with Pillow.
"""

import calendar
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from PIL import Image, ImageDraw, ImageFont

from townhall.dialogues.documents import MOTTO, NATIONAL_TITLE, vn_date
from townhall.units.models import Level, Unit

from . import statistics, statistics_dialogues
from .models import PeriodKind

FONT = "Times New Roman"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEVEL_NAMES = {Level.PROVINCE: "Cấp tỉnh", Level.DISTRICT: "Cấp huyện", Level.COMMUNE: "Cấp xã"}
_UNIT_PREFIXES = ("Thành phố ", "Thị xã ", "Thị trấn ", "Huyện ", "Quận ", "Phường ", "Xã ")
_UNIT_PREFIXES += ("Tỉnh ", "Đặc khu ")


# --- periods --------------------------------------------------------------------------------
def period_bounds(period: str, year: int, month: int | None = None) -> tuple[dt.date, dt.date]:
    """First and last day of a reporting period (calendar months, from 1 January)."""
    last_month = {PeriodKind.Q1: 3, PeriodKind.HALF: 6, PeriodKind.NINE: 9, PeriodKind.YEAR: 12}
    if period == PeriodKind.MONTH:
        if month is None or not 1 <= month <= 12:
            raise ValueError("A monthly report needs its month (1 to 12)")
        first = dt.date(year, month, 1)
    elif period in last_month:
        first, month = dt.date(year, 1, 1), last_month[period]
    else:
        raise ValueError(f"Unknown period {period!r}")
    return first, dt.date(year, month, calendar.monthrange(year, month)[1])


def period_label(period: str, year: int, month: int | None = None) -> str:
    """How the report names its period: "tháng 3 năm 2022", "quý I năm 2022", "năm 2022"…"""
    return {
        PeriodKind.MONTH: f"tháng {month} năm {year}",
        PeriodKind.Q1: f"quý I năm {year}",
        PeriodKind.HALF: f"6 tháng đầu năm {year}",
        PeriodKind.NINE: f"9 tháng năm {year}",
        PeriodKind.YEAR: f"năm {year}",
    }[period]


def vn_number(value: int | float | None) -> str:
    """1215 → "1.215", 95.9 → "95,9" (Vietnamese separators)."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        whole, frac = f"{value:.1f}".split(".")
        return f"{int(whole):,}".replace(",", ".") + "," + frac
    return f"{int(value):,}".replace(",", ".")


def place_name(name: str) -> str:
    """The place without its kind: "Thành phố Chí Linh" → "Chí Linh"."""
    for prefix in _UNIT_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


# --- the data -------------------------------------------------------------------------------
@dataclass
class ReportData:
    unit: Unit
    period: str
    year: int
    month: int | None
    start: dt.date
    end: dt.date
    issuer: str
    signer: str
    made_on: dt.date
    dialogues: dict
    petitions: dict
    reception: dict
    by_level: dict[str, dict] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return period_label(self.period, self.year, self.month)


def report_data(
    *,
    unit: Unit,
    period: str,
    year: int,
    month: int | None,
    issuer: str,
    signer: str,
    progress=None,
) -> ReportData:
    """Every figure of the report, from the statistics (progress(pct, step) between parts)."""
    start, end = period_bounds(period, year, month)
    step = progress or (lambda pct, text: None)
    scope = statistics.Scope(unit, start, end)
    step(10, "dialogues")
    dialogues = statistics.with_previous("dialogues", scope)
    by_level = {}
    for level in statistics.LEVELS_IN_ERA[unit.era]:
        if level == unit.level or _below(unit.level, level):
            by_level[level] = statistics_dialogues.dialogue_figures(
                statistics.Scope(unit, start, end, level=level)
            )
    step(35, "reception")
    reception = statistics.with_previous("reception", scope)
    step(55, "petitions")
    petitions = statistics.with_previous("petitions", scope)
    return ReportData(
        unit=unit,
        period=period,
        year=year,
        month=month,
        start=start,
        end=end,
        issuer=issuer,
        signer=signer,
        made_on=timezone.localdate(),
        dialogues=dialogues,
        petitions=petitions,
        reception=reception,
        by_level=by_level,
    )


def _below(upper: str, lower: str) -> bool:
    order = [Level.PROVINCE, Level.DISTRICT, Level.COMMUNE]
    return order.index(lower) > order.index(upper)


# --- the narrative --------------------------------------------------------------------------
def _change(now: int, before: int, noun: str) -> str:
    if now == before:
        return f"bằng kỳ trước ({vn_number(before)} {noun})"
    word = "tăng" if now > before else "giảm"
    return f"{word} {vn_number(abs(now - before))} {noun} so với kỳ trước ({vn_number(before)})"


def dialogue_sentences(data: ReportData) -> list[str]:
    d, before = data.dialogues, data.dialogues["previous"]
    place = data.unit.name
    lines = [
        f"Trong {data.label}, người đứng đầu cấp ủy, chính quyền các cấp trong {place} đã tổ "
        f"chức {vn_number(d['conferences'])} hội nghị tiếp xúc, đối thoại với nhân dân "
        f"({_change(d['conferences'], before['conferences'], 'hội nghị')}), tiếp nhận "
        f"{vn_number(d['opinions'])} ý kiến, kiến nghị; trong đó "
        f"{vn_number(d['answered_at_conference'])} ý kiến được trả lời trực tiếp tại hội nghị"
        + (
            f" (đạt {vn_number(d['answered_at_conference_pct'])}%)"
            if d["answered_at_conference_pct"] is not None
            else ""
        )
        + f", {vn_number(d['answered_later'])} ý kiến được giải quyết sau hội nghị, "
        f"{vn_number(d['pending'])} ý kiến đang được giải quyết"
        + (f" ({vn_number(d['overdue'])} ý kiến quá hạn)." if d["overdue"] else ".")
    ]
    for level, figures in data.by_level.items():
        if figures["conferences"]:
            lines.append(
                f"{LEVEL_NAMES[level]}: {vn_number(figures['conferences'])} hội nghị, "
                f"{vn_number(figures['opinions'])} ý kiến, kiến nghị, trả lời trực tiếp tại hội "
                f"nghị {vn_number(figures['answered_at_conference'])} ý kiến."
            )
    lines.append(
        f"Chủ trì hội nghị đã kết luận, giao {vn_number(d['directives'])} nội dung cho các cơ "
        f"quan, đơn vị: {vn_number(d['directives_done_on_time'])} nội dung hoàn thành đúng hạn, "
        f"{vn_number(d['directives_done_late'])} nội dung hoàn thành chậm, "
        f"{vn_number(d['directives_open'])} nội dung đang thực hiện"
        + (
            f" ({vn_number(d['directives_overdue'])} nội dung quá hạn)."
            if d["directives_overdue"]
            else "."
        )
    )
    if d["directives"] and not d["directives_overdue"] and not d["directives_done_late"]:
        lines.append(
            "Không có tổ chức, cá nhân nào không thực hiện hoặc chậm thực hiện kết luận, chỉ "
            "đạo của chủ trì hội nghị."
        )
    return lines


def reception_sentences(data: ReportData) -> list[str]:
    r = data.reception
    return [
        f"Người đứng đầu các cơ quan, đơn vị phải tiếp công dân {vn_number(r['days_required'])} "
        f"ngày theo quy định, đã trực tiếp tiếp {vn_number(r['days_held'])} ngày"
        + (f", còn thiếu {vn_number(r['shortfall'])} ngày" if r["shortfall"] else "")
        + f"; tổ chức {vn_number(r['sessions'])} buổi tiếp công dân (định kỳ "
        f"{vn_number(r['scheduled'])}, đột xuất {vn_number(r['unscheduled'])}, đi cơ sở "
        f"{vn_number(r['field_visits'])}), tiếp {vn_number(r['visits'])} lượt với "
        f"{vn_number(r['people'])} người, trong đó {vn_number(r['group_visits'])} đoàn đông người."
    ]


def petition_sentences(data: ReportData) -> list[str]:
    p = data.petitions
    n = {k: vn_number(v) for k, v in p.items() if isinstance(v, int)}
    kind = {k: vn_number(v) for k, v in p["by_kind"].items()}
    average = p["average_days_to_resolution"]
    return [
        f"Tiếp nhận {n['petitions']} đơn, ý kiến ({kind['recommendation']} kiến nghị, "
        f"{kind['reflection']} phản ánh, {kind['complaint']} khiếu nại, {kind['denunciation']} "
        f"tố cáo), hình thành {n['cases']} vụ việc; đã giải quyết {n['resolved']} vụ việc, "
        f"trong đó {n['resolved_on_time']} vụ việc đúng hạn; đang giải quyết {n['open']} vụ "
        f"việc ({n['overdue']} quá hạn).",
        f"Vụ việc đông người: {n['mass']}; kéo dài: {n['prolonged']}; vượt cấp: "
        f"{n['over_level']}."
        + (
            f" Thời gian giải quyết bình quân {vn_number(average)} ngày."
            if average is not None
            else ""
        ),
    ]


# --- the chart ------------------------------------------------------------------------------
_FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
)
SERIES = (
    ("answered_at_conference", "Trả lời tại hội nghị", (31, 119, 180)),
    ("answered_later", "Giải quyết sau", (44, 160, 44)),
    ("pending", "Đang giải quyết", (214, 39, 40)),
)


def _font(size: int):
    for path in _FONT_FILES:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def chart_png(rows: list[dict], *, title: str) -> bytes:
    """A stacked bar per unit: answered at the conference, answered later, pending."""
    rows = [r for r in rows if r["opinions"]] or rows[:1]
    width, height, left, bottom, top = 1200, 600, 70, 170, 60
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    small, normal = _font(14), _font(18)
    draw.text((left, 15), title, fill="black", font=normal)
    biggest = max((r["opinions"] for r in rows), default=0) or 1
    plot_h = height - bottom - top
    slot = (width - left - 20) / max(1, len(rows))
    draw.line((left, top, left, height - bottom), fill="black")
    draw.line((left, height - bottom, width - 20, height - bottom), fill="black")
    for tick in range(5):
        value = round(biggest * tick / 4)
        y = height - bottom - plot_h * value / biggest
        draw.text((8, y - 8), vn_number(value), fill="black", font=small)
    for i, row in enumerate(rows):
        x0 = left + i * slot + slot * 0.2
        x1 = left + (i + 1) * slot - slot * 0.2
        y = height - bottom
        for key, _label, colour in SERIES:
            h = plot_h * row[key] / biggest
            if h:
                draw.rectangle((x0, y - h, x1, y), fill=colour)
            y -= h
        draw.text((x0, y - 20), vn_number(row["opinions"]), fill="black", font=small)
        # Crowded (a district's 20 communes): labels alternate between two lines.
        crowded = slot < 100
        label = place_name(row["name"])[: max(6, int(slot * (2 if crowded else 1) / 8))]
        offset = 8 + (22 * (i % 2) if crowded else 0)
        draw.text((x0, height - bottom + offset), label, fill="black", font=small)
    for j, (_key, label, colour) in enumerate(SERIES):
        x = left + j * 260
        draw.rectangle((x, height - 40, x + 18, height - 22), fill=colour)
        draw.text((x + 26, height - 42), label, fill="black", font=small)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --- DOCX -----------------------------------------------------------------------------------
def _new_document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(6)
    return doc


def _para(container, text="", *, bold=False, italic=False, size=None, align=None):
    paragraph = container.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic = bold, italic
        run.font.name = FONT
        if size:
            run.font.size = Pt(size)
    return paragraph


def _header(doc, data: ReportData) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    left.width, right.width = Mm(65), Mm(100)
    center = WD_ALIGN_PARAGRAPH.CENTER
    left.paragraphs[0].text = right.paragraphs[0].text = ""
    _para(left, data.issuer.upper(), bold=True, size=13, align=center)
    _para(left, "______", align=center, size=13)
    _para(left, "Số:      /BC", size=13, align=center)
    _para(right, NATIONAL_TITLE, bold=True, size=13, align=center)
    _para(right, MOTTO, bold=True, size=14, align=center)
    _para(right, "______________________", align=center, size=13)
    _para(
        right,
        f"{place_name(data.unit.name)}, {vn_date(data.made_on)}",
        italic=True,
        size=14,
        align=center,
    )


def _cell(cell, text: str, *, bold=False) -> None:
    """Write into the cell's own first paragraph (no empty line above the text)."""
    paragraph = cell.paragraphs[0]
    if bold:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.name = FONT
    run.font.size = Pt(11)


def _table(doc, headings: list[str], rows: list[list]) -> None:
    table = doc.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headings, strict=True):
        _cell(cell, text, bold=True)
    for values in rows:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            _cell(cell, vn_number(value) if isinstance(value, int | float) else str(value))


DIALOGUE_COLUMNS = (
    ("conferences", "Hội nghị"),
    ("opinions", "Ý kiến"),
    ("answered_at_conference", "Trả lời tại hội nghị"),
    ("answered_later", "Giải quyết sau"),
    ("pending", "Đang giải quyết"),
    ("overdue", "Quá hạn"),
)
RECEPTION_COLUMNS = (
    ("days_required", "Ngày phải tiếp"),
    ("days_held", "Ngày đã tiếp"),
    ("shortfall", "Còn thiếu"),
    ("sessions", "Buổi tiếp"),
    ("visits", "Lượt"),
    ("people", "Người"),
    ("group_visits", "Đoàn đông người"),
)
PETITION_COLUMNS = (
    ("petitions", "Đơn"),
    ("cases", "Vụ việc"),
    ("resolved", "Đã giải quyết"),
    ("resolved_on_time", "Đúng hạn"),
    ("open", "Đang giải quyết"),
    ("overdue", "Quá hạn"),
    ("mass", "Đông người"),
)


def _unit_label(row: dict) -> str:
    return f"{row['name']} (cấp mình)" if row["own"] else row["name"]


def _rows(by_unit: list[dict], columns) -> list[list]:
    return [[_unit_label(r), *(r[k] for k, _ in columns)] for r in by_unit]


def _totals(figures: dict, columns) -> list:
    return ["Tổng cộng", *(figures[k] for k, _ in columns)]


def report_docx(data: ReportData) -> bytes:
    doc = _new_document()
    _header(doc, data)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc)
    _para(doc, "BÁO CÁO", bold=True, align=center)
    _para(
        doc,
        "Kết quả tiếp xúc, đối thoại, tiếp công dân và giải quyết đơn, ý kiến của nhân dân "
        f"{data.label}",
        bold=True,
        align=center,
    )
    _para(doc, "__________", align=center)
    _para(
        doc,
        f"Phạm vi: {data.unit.name}; từ {data.start:%d/%m/%Y} đến {data.end:%d/%m/%Y}. Số liệu "
        "tổng hợp từ hệ thống Townhall.",
        italic=True,
    )
    _para(doc, "I. TIẾP XÚC, ĐỐI THOẠI", bold=True)
    for line in dialogue_sentences(data):
        _para(doc, line)
    columns = DIALOGUE_COLUMNS
    _table(
        doc,
        ["Đơn vị", *(h for _, h in columns)],
        [*_rows(data.dialogues["by_unit"], columns), _totals(data.dialogues, columns)],
    )
    _para(doc)
    doc.add_picture(
        io.BytesIO(chart_png(data.dialogues["by_unit"], title="Ý kiến, kiến nghị theo đơn vị")),
        width=Mm(160),
    )
    _para(
        doc,
        "Biểu đồ: ý kiến, kiến nghị tại hội nghị đối thoại theo đơn vị.",
        italic=True,
        size=12,
        align=center,
    )
    _para(doc, "II. TIẾP CÔNG DÂN", bold=True)
    for line in reception_sentences(data):
        _para(doc, line)
    columns = RECEPTION_COLUMNS
    _table(
        doc,
        ["Đơn vị", *(h for _, h in columns)],
        [*_rows(data.reception["by_unit"], columns), _totals(data.reception, columns)],
    )
    _para(doc, "III. TIẾP NHẬN, GIẢI QUYẾT ĐƠN, Ý KIẾN", bold=True)
    for line in petition_sentences(data):
        _para(doc, line)
    columns = PETITION_COLUMNS
    _table(
        doc,
        ["Đơn vị", *(h for _, h in columns)],
        [*_rows(data.petitions["by_unit"], columns), _totals(data.petitions, columns)],
    )
    _signature(doc, data)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _signature(doc, data: ReportData) -> None:
    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.paragraphs[0].text = right.paragraphs[0].text = ""
    _para(left, "Nơi nhận:", bold=True, italic=True, size=12)
    for line in ("Cấp ủy, chính quyền cấp trên", "Ban Dân vận cấp trên", "Lưu: VT."):
        _para(left, f"- {line}", size=11)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(right, f"TM. {data.issuer}".upper(), bold=True, align=center)
    _para(right, data.signer.upper(), bold=True, align=center)
    _para(right, "(Đã ký)", italic=True, align=center)


# --- XLSX -----------------------------------------------------------------------------------
SUMMARY = (
    (
        "dialogues",
        DIALOGUE_COLUMNS
        + (("directives", "Nội dung kết luận"), ("directives_overdue", "Kết luận quá hạn")),
    ),
    ("reception", RECEPTION_COLUMNS),
    ("petitions", PETITION_COLUMNS + (("prolonged", "Kéo dài"), ("over_level", "Vượt cấp"))),
)
SHEETS = {
    "dialogues": ("Đối thoại", DIALOGUE_COLUMNS),
    "reception": ("Tiếp công dân", RECEPTION_COLUMNS),
    "petitions": ("Đơn thư", PETITION_COLUMNS),
}


def report_xlsx(data: ReportData) -> bytes:
    """A summary sheet (this period and the one before) and one sheet per part, by unit."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Tổng hợp"
    bold = Font(bold=True)
    sheet.append([f"Báo cáo {data.label}: {data.unit.name} ({data.unit.code})"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([f"Từ {data.start:%d/%m/%Y} đến {data.end:%d/%m/%Y}"])
    sheet.append([])
    sheet.append(["Phần", "Chỉ tiêu", "Mã", "Kỳ này", "Kỳ trước"])
    for cell in sheet[4]:
        cell.font = bold
    for part, columns in SUMMARY:
        figures = getattr(data, part)
        for key, label in columns:
            sheet.append([SHEETS[part][0], label, key, figures[key], figures["previous"][key]])
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 26
    sheet.column_dimensions["C"].width = 26
    for part, (title, columns) in SHEETS.items():
        figures = getattr(data, part)
        ws = book.create_sheet(title)
        ws.append(["Mã", "Đơn vị", *(label for _, label in columns)])
        ws.append(["", "", *(key for key, _ in columns)])
        for cell in ws[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True)
        for row in figures["by_unit"]:
            ws.append([row["code"], _unit_label(row), *(row[k] for k, _ in columns)])
        ws.append(["", "Tổng cộng", *(figures[k] for k, _ in columns)])
        for cell in ws[ws.max_row]:
            cell.font = bold
        ws.column_dimensions["B"].width = 32
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
