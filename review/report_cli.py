"""The ``report`` sub-command: write a stored document's reports to a folder.

    competency-review report DOCUMENT_ID --out DIR [--version N] [--template T.docx]
                                         [--only report,annotated,csv,xlsx] [--highlight]

It acts as the command-line operator (:data:`review.auth.SYSTEM`, an admin), like the other admin
commands: whoever can run it can read the data directory anyway. The workflow still decides
whether reports may be downloaded in the document's state; a refusal exits 1 with its reason.
"""

from __future__ import annotations

import argparse
from pathlib import Path

KINDS = ("report", "annotated", "csv", "xlsx")


def _kinds(value: str) -> tuple[str, ...]:
    kinds = tuple(dict.fromkeys(k.strip() for k in value.split(",") if k.strip()))
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(KINDS)} (comma-separated)")
    return kinds


def report_files(
    document_id: str,
    version: int | None = None,
    *,
    kinds: tuple[str, ...] = KINDS,
    template: Path | None = None,
    highlight: bool = False,
    service=None,
) -> dict[str, bytes]:
    """File name → bytes of each report of a stored document, as the CLI writes them.

    The annotated copy is left out for a .txt/.md upload (there is no Word file to annotate).
    """
    from review.auth import SYSTEM
    from review.parsing import safe_filename
    from review.services import ReviewService

    svc = service or ReviewService()
    view = svc.get_document(SYSTEM, document_id)
    number = version or view.summary.current_version
    stem = safe_filename(f"{document_id}-v{number}")
    out: dict[str, bytes] = {}
    if "report" in kinds:
        out[f"{stem}-review-report.docx"] = svc.review_report(SYSTEM, document_id, number, template)
    is_docx = any(v.number == number and v.format == "docx" for v in view.versions)
    if "annotated" in kinds and is_docx:
        out[f"{stem}-annotated.docx"] = svc.annotated_policy(SYSTEM, document_id, number, highlight)
    if "csv" in kinds:
        out[f"{stem}-coverage.csv"] = svc.coverage_csv(SYSTEM, document_id, number)
    if "xlsx" in kinds:
        out[f"{stem}-coverage.xlsx"] = svc.coverage_xlsx(SYSTEM, document_id, number)
    return out


def cmd_report(args: argparse.Namespace) -> int:
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = report_files(
        args.document_id,
        args.version,
        kinds=args.only,
        template=Path(args.template) if args.template else None,
        highlight=args.highlight and not args.no_highlight,
    )
    for name, data in files.items():
        path = out_dir / name
        path.write_bytes(data)
        print(path)
    return 0


def register(sub) -> None:
    """Add ``report`` to the ``competency-review`` sub-commands (called by :mod:`review.cli`)."""
    r = sub.add_parser(
        "report",
        help="write a stored document's review report, annotated copy "
        "and coverage matrix to a folder",
    )
    r.add_argument("document_id", metavar="DOCUMENT_ID")
    r.add_argument("--out", required=True, metavar="DIR", help="folder to write into (created)")
    r.add_argument("--version", type=int, default=None, help="document version (default: current)")
    r.add_argument("--template", metavar="T.docx", help="an agency-specific report template")
    r.add_argument(
        "--only",
        type=_kinds,
        default=KINDS,
        metavar="KINDS",
        help=f"comma-separated subset of {','.join(KINDS)} (default: all)",
    )
    r.add_argument(
        "--highlight",
        action="store_true",
        help="shade the evidence phrases of confirmed links in the annotated copy (off by default)",
    )
    r.add_argument("--no-highlight", action="store_true", help=argparse.SUPPRESS)  # the old default
    r.set_defaults(func=cmd_report)
