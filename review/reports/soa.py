"""The coverage matrix as a statement of applicability: one sheet, one row per required
competency, for people who work in Excel (CSV with a BOM so Excel reads UTF-8; or .xlsx)."""

from __future__ import annotations

import csv
import io

from review.models import CoverageRow, ReportContext
from review.reports._text import SUGGESTED_LABEL, one_line, shorten, status_label

COLUMNS = (
    "Competency",
    "Label",
    "Statement",
    "Status",
    "Applicable",
    "Sections cited",
    "Justification or note",
    "Recommendation",
    "Training",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_CELL_LIMIT = 32_000  # Excel holds at most 32,767 characters in a cell


def _cell(text: object) -> str:
    """One-line, XML-safe, and never read as a formula by a spreadsheet (CSV injection)."""
    s = one_line(text)
    return "'" + s if s.startswith(_FORMULA_START) else s


def soa_rows(ctx: ReportContext) -> list[list[str]]:
    """The sheet's rows after the header, in the context's coverage order."""
    titles = {
        s.id: (" › ".join(s.shown_path) if s.path else s.shown_title) or "(untitled section)"
        for s in ctx.sections
    }
    out = []
    for row in ctx.coverage:
        out.append(_row(ctx, row, titles))
    return out


def _row(ctx: ReportContext, row: CoverageRow, titles: dict[str, str]) -> list[str]:
    cited = [
        shorten(titles.get(sid, "(a section of an earlier version)"), 200) for sid in row.sections
    ]
    return [
        _cell(row.competency),
        _cell(row.label),
        _cell(row.statement),
        _cell(status_label(row.status, suggested=not ctx.reviewed)),
        "No" if row.status == "not_applicable" else "Yes",
        _cell("; ".join(dict.fromkeys(cited))),
        _cell(row.justification),
        _cell(row.recommendation),
        _cell("; ".join(row.training)),
    ]


def _title(ctx: ReportContext) -> str:
    note = "" if ctx.reviewed else f" – {SUGGESTED_LABEL.lower()}"
    agency = f"{ctx.agency_name} – " if one_line(ctx.agency_name) else ""
    return one_line(
        f"Statement of applicability: {agency}{ctx.document_title} "
        f"(version {ctx.version_number}) against {ctx.framework_title}, "
        f"version {ctx.framework_version}{note}"
    )


def coverage_csv(ctx: ReportContext) -> bytes:
    """The statement of applicability as CSV: UTF-8 with a BOM (Excel), CRLF line ends, a header
    row, one row per required competency. Unreviewed contexts say "(suggested)" in every status."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(soa_rows(ctx))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def coverage_xlsx(ctx: ReportContext) -> bytes:
    """The statement of applicability as a one-sheet workbook (openpyxl): a title line, a bold
    frozen header with a filter, wrapped text, status cells tinted like the report's chart."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Statement of applicability"
    ws.append([shorten(_title(ctx), 250)])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append(list(COLUMNS))
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E3EAF3")
    fills = {
        "met": "D5EDDD",
        "partial": "FBE7C2",
        "not_addressed": "F6D2CF",
        "not_applicable": "E6E9EC",
    }
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, values in zip(ctx.coverage, soa_rows(ctx), strict=True):
        ws.append([v[:XLSX_CELL_LIMIT] for v in values])
        for cell in ws[ws.max_row]:
            cell.alignment = wrap
        status_cell = ws.cell(row=ws.max_row, column=COLUMNS.index("Status") + 1)
        if row.status in fills:
            status_cell.fill = PatternFill("solid", fgColor=fills[row.status])
    for i, width in enumerate((11, 22, 60, 18, 11, 40, 40, 50, 20), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "B3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(COLUMNS))}{max(ws.max_row, 2)}"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
