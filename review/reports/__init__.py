"""Reports: the review report (.docx from ``templates/``), the agency's own document annotated
with Word comments, and the coverage matrix as a statement of applicability (CSV, XLSX).

Reports are pure: they turn a :class:`review.models.ReportContext` (gathered by the services,
which check permissions) into bytes and never touch the store. The review report and the
annotated copy read the same decisions view (:mod:`review.reports.decisions`); the agency
coverage report turns a :class:`review.services.agency_coverage.AgencyCoverage` into bytes.
"""

from review.reports._text import xml_safe
from review.reports.agency_report import agency_report
from review.reports.annotate import annotated_policy
from review.reports.chart import coverage_chart_png
from review.reports.context import analysis_context, suggested_coverage
from review.reports.review_report import DEFAULT_TEMPLATE, review_report
from review.reports.soa import coverage_csv, coverage_xlsx

__all__ = [
    "DEFAULT_TEMPLATE",
    "agency_report",
    "analysis_context",
    "annotated_policy",
    "coverage_chart_png",
    "coverage_csv",
    "coverage_xlsx",
    "review_report",
    "suggested_coverage",
    "xml_safe",
]
