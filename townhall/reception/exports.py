"""The reception register (sổ tiếp công dân) of an agency for a period, as an XLSX file.

The columns follow the official register form; the file is a Vietnamese administrative document
whatever the interface language, so its labels are Vietnamese here rather than translated.
A denouncer's identity is replaced by "••• (bảo mật)" unless the exporting user is entitled
(`selectors.register_rows`, which logs every entitled read).
"""

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from townhall.units.models import Agency

from . import selectors
from .models import Action, SessionKind

TITLE = "SỔ TIẾP CÔNG DÂN"
# (heading, width)
COLUMNS = [
    ("STT", 6),
    ("Ngày tiếp", 12),
    ("Họ tên – địa chỉ", 32),
    ("Số CCCD/CMND", 16),
    ("Nội dung vụ việc", 48),
    ("Loại đơn / Số người", 16),
    ("Cơ quan đã giải quyết", 22),
    ("Hướng xử lý", 28),
    ("Theo dõi kết quả", 24),
    ("Ghi chú", 22),
]
HEADER_ROW = 4
FIRST_DATA_ROW = HEADER_ROW + 2  # below the headings and the (1)…(10) numbering row
DATE_FORMAT = "DD/MM/YYYY"

KIND_LABELS = {
    "recommendation": "Kiến nghị",
    "reflection": "Phản ánh",
    "complaint": "Khiếu nại",
    "denunciation": "Tố cáo",
    "mixed": "Hỗn hợp",
}
REASON_LABELS = {"urgent": "vụ việc khẩn cấp", "mass": "đông người", "complex": "phức tạp"}

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)


def filename(agency: Agency, start: dt.date, end: dt.date) -> str:
    return f"so-tiep-cong-dan-{agency.pk}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"


def _people(row: selectors.RegisterRow) -> tuple[str, str]:
    entry = row.entry
    if row.hidden:
        return row.people[0].name, row.people[0].name
    lines = [f"{p.name} – {p.address}" if p.address else p.name for p in row.people]
    if entry.is_group:
        lines.insert(0, f"Đoàn {entry.people_count} người, đại diện:")
    ids = "\n".join(p.id_number for p in row.people if p.id_number)
    return "\n".join(lines), ids


def _action(row: selectors.RegisterRow) -> str:
    entry = row.entry
    if entry.action == Action.ACCEPTED:
        return "Thụ lý giải quyết"
    if entry.action == Action.RETURNED_WITH_GUIDANCE:
        return f"Hướng dẫn: {entry.guidance}"
    return f"Chuyển đơn đến {entry.transferred_to.name}"


def _notes(row: selectors.RegisterRow) -> str:
    session, notes = row.entry.session, []
    if session.kind == SessionKind.UNSCHEDULED:
        notes.append(f"Tiếp đột xuất ({REASON_LABELS.get(session.reason, session.reason)})")
    elif session.kind == SessionKind.FIELD_VISIT:
        notes.append("Tiếp tại cơ sở")
    if session.is_delegated:
        notes.append(f"Cấp phó tiếp thay: {session.delegate}")
    if row.entry.notes:
        notes.append(row.entry.notes)
    return "\n".join(notes)


def _values(number: int, row: selectors.RegisterRow) -> list:
    entry = row.entry
    names, ids = _people(row)
    follow_up = "\n".join(filter(None, [f"Vụ việc {row.case.reference}", entry.follow_up]))
    return [
        number,
        entry.session.date,
        names,
        ids,
        entry.content,
        f"{KIND_LABELS.get(entry.kind, entry.kind)} / {entry.people_count} người",
        entry.handled_by,
        _action(row),
        follow_up,
        _notes(row),
    ]


def _write_title(sheet, agency: Agency, start: dt.date, end: dt.date) -> None:
    last = get_column_letter(len(COLUMNS))
    for line, (value, size) in enumerate(
        [
            (f"{TITLE} – {agency.name.upper()}", 14),
            (f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}", 11),
        ],
        start=1,
    ):
        sheet.merge_cells(f"A{line}:{last}{line}")
        cell = sheet.cell(row=line, column=1, value=value)
        cell.font = Font(bold=True, size=size)
        cell.alignment = _CENTRE


def _write_headings(sheet) -> None:
    for column, (heading, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
        for row, value in ((HEADER_ROW, heading), (HEADER_ROW + 1, f"({column})")):
            cell = sheet.cell(row=row, column=column, value=value)
            cell.font = Font(bold=row == HEADER_ROW, italic=row != HEADER_ROW)
            cell.alignment = _CENTRE
            cell.border = _BORDER


def register_workbook(user, *, agency: Agency, start: dt.date, end: dt.date) -> bytes:
    """The agency's register from `start` to `end`, as the user may see it."""
    entries = (
        selectors.entries_visible_to(user)
        .filter(session__agency=agency, session__date__gte=start, session__date__lte=end)
        .order_by("session__date", "session_id", "number")
    )
    rows = selectors.register_rows(user, entries, purpose="reception_register_export")
    book = Workbook()
    sheet = book.active
    sheet.title = "Sổ tiếp công dân"
    _write_title(sheet, agency, start, end)
    _write_headings(sheet)
    for offset, row in enumerate(rows):
        for column, value in enumerate(_values(offset + 1, row), start=1):
            cell = sheet.cell(row=FIRST_DATA_ROW + offset, column=column, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # citizen's text, never a formula
            cell.alignment = _WRAP
            cell.border = _BORDER
            if isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=1)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
