"""What the upload pages accept, from the same place the server decides it (pure; no Streamlit)."""

from __future__ import annotations

from review.parsing.doc_convert import soffice

#: file types the parser reads (a .doc only where LibreOffice can convert it)
BASE_TYPES = ("docx", "pdf", "txt", "md")


def accepted_types() -> tuple[str, ...]:
    return (*BASE_TYPES[:2], "doc", *BASE_TYPES[2:]) if soffice() else BASE_TYPES


ACCEPTED_TYPES = accepted_types()


def accepted_text() -> str:
    """ "A Word document (.docx or .doc), a text PDF, or plain text (.txt, .md)"."""
    word = ".docx or .doc" if "doc" in ACCEPTED_TYPES else ".docx"
    return f"A Word document ({word}), a PDF with a text layer, or plain text (.txt, .md)"
