"""Plain data shared by parsing, matching, storage, services and reports.

Everything here is a small frozen dataclass with ``to_dict``/``from_dict`` so it can be stored as
JSON (TinyDB) and rebuilt without loss.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Section:
    """One section of a parsed policy document.

    ``first_par``/``last_par`` index the document's *body paragraphs*: every ``w:p`` element of
    the main document part in document order, as yielded by
    :func:`review.parsing.body_paragraph_elements` (paragraphs inside tables, content controls and
    tracked insertions included). The report annotator uses them to anchor Word comments.
    For .txt/.md uploads they index non-empty source lines instead.

    ``label`` is the number Word draws before the heading when it numbers it automatically
    ("4.2", "Article IV."; "" otherwise) and ``path_labels`` the same for each title of ``path``
    (``()`` when none has one). They are kept apart from ``title``/``path``/``text`` on purpose:
    the id hashes the unlabeled path and text, so a re-upload keeps its decisions whether or not
    its record was parsed before labels were read, and the matcher scores the same text.
    Whatever shows a section to a person uses :attr:`shown_title` / :attr:`shown_path`.

    ``line_labels`` does the same for the body: per line of ``text`` (``text.split("\n")``), the
    number or bullet Word draws before that paragraph when it is an automatically numbered
    list item ("1.", "(b)", "•"; "" for the others), and ``()`` when no line has one.
    :attr:`shown_text` is the body as Word shows it (from :attr:`shown_labels`); offsets
    (evidence) keep indexing :attr:`full_text`.
    """

    id: str  # stable across re-uploads of the same text: hash of heading path + normalised text
    title: str
    level: int  # 0 preamble, 1.. heading depth
    path: tuple[str, ...]  # titles of the ancestors and this section
    text: str  # body text (heading excluded), paragraphs joined with "\n"
    first_par: int  # index of the heading paragraph (or first paragraph when there is no heading)
    last_par: int  # index of the last paragraph the section covers (inclusive)
    # heading | numbered | bold | boxed | table | caps | run-in | preamble | chunk | markdown
    kind: str = "heading"
    label: str = ""  # Word's automatic number of the heading, as Word draws it ("4.2")
    path_labels: tuple[str, ...] = ()  # Word's number of each title in ``path`` ("" none)
    line_labels: tuple[str, ...] = ()  # Word's number or bullet of each line of ``text``

    @property
    def shown_title(self) -> str:
        """The title as Word shows it to the author: ``"4.2 Confidentiality"``."""
        return _labeled(self.label, self.title)

    @property
    def shown_path(self) -> tuple[str, ...]:
        """:attr:`path` as Word shows its titles (each with its automatic number, if any)."""
        if not self.path_labels or len(self.path_labels) != len(self.path):
            return self.path
        return tuple(_labeled(lb, t) for lb, t in zip(self.path_labels, self.path, strict=True))

    @property
    def shown_labels(self) -> tuple[str, ...]:
        """:attr:`line_labels` when they fit the lines of :attr:`text`, else ``()``: labels
        that do not fit (a damaged record) are not shown rather than shown on the wrong
        lines. What every display of the labels reads."""
        labels = self.line_labels
        if labels and len(labels) == self.text.count("\n") + 1:
            return labels
        return ()

    @property
    def shown_text(self) -> str:
        """The body as Word shows it: each list item after its number or bullet."""
        labels = self.shown_labels
        if not labels:
            return self.text
        lines = self.text.split("\n")
        return "\n".join(_labeled(lb, ln) for lb, ln in zip(labels, lines, strict=True))

    @property
    def full_text(self) -> str:
        """Title and body, what the matcher scores."""
        return f"{self.title}\n{self.text}" if self.title else self.text

    @property
    def body_start(self) -> int:
        """Where the body starts in :attr:`full_text` (after the title and its line break)."""
        return len(self.title) + 1 if self.title else 0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = list(self.path)
        # stored only where there is a number: records of unnumbered documents stay as they were
        if not self.label:
            del d["label"]
        if self.path_labels:
            d["path_labels"] = list(self.path_labels)
        else:
            del d["path_labels"]
        if self.line_labels:
            d["line_labels"] = list(self.line_labels)
        else:
            del d["line_labels"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Section:
        return cls(
            id=d["id"],
            title=d["title"],
            level=int(d["level"]),
            path=tuple(d.get("path", ())),
            text=d["text"],
            first_par=int(d["first_par"]),
            last_par=int(d["last_par"]),
            kind=d.get("kind", "heading"),
            label=str(d.get("label") or ""),
            path_labels=tuple(str(x) for x in d.get("path_labels") or ()),
            line_labels=tuple(str(x) for x in d.get("line_labels") or ()),
        )


def _labeled(label: str, title: str) -> str:
    """A title with Word's number before it (one space between, as a tab shows)."""
    if not label:
        return title
    return f"{label} {title}" if title else label


@dataclass(frozen=True)
class ParsedDocument:
    filename: str
    format: str  # docx | txt | md
    sections: tuple[Section, ...]
    paragraph_count: int  # body paragraphs seen (see Section)
    title: str = ""  # the document title when it declares one (Title style, core properties)
    #: words of text Word does not show, left out of the sections, by reason: ("hidden", n)
    #: for w:vanish, ("invisible", n) for text colored like its background or under 2 pt
    left_out: tuple[tuple[str, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = {
            "filename": self.filename,
            "format": self.format,
            "title": self.title,
            "paragraph_count": self.paragraph_count,
            "sections": [s.to_dict() for s in self.sections],
        }
        if self.left_out:
            out["left_out"] = dict(self.left_out)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ParsedDocument:
        return cls(
            filename=d["filename"],
            format=d["format"],
            title=d.get("title", ""),
            paragraph_count=int(d["paragraph_count"]),
            sections=tuple(Section.from_dict(s) for s in d["sections"]),
            left_out=tuple((str(k), int(v)) for k, v in (d.get("left_out") or {}).items()),
        )


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class Evidence:
    """A match phrase that hit: where in ``Section.full_text`` and how well."""

    phrase: str  # the framework's match phrase
    matched: str  # the text it matched in the section
    start: int  # character offsets in Section.full_text, end exclusive
    end: int
    score: float  # 0-100 similarity of this hit

    def to_dict(self) -> dict[str, Any]:
        # by hand: dataclasses.asdict deep-copies every field and was half of `analyze --json`
        return {
            "phrase": self.phrase,
            "matched": self.matched,
            "start": self.start,
            "end": self.end,
            "score": self.score,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evidence:
        return cls(d["phrase"], d["matched"], int(d["start"]), int(d["end"]), float(d["score"]))


@dataclass(frozen=True)
class Suggestion:
    competency: str  # framework item id, e.g. "C5"
    score: float  # 0-100: the calibrated probability that a reviewer confirms the link
    evidence: tuple[Evidence, ...] = ()
    sentences: tuple[str, ...] = ()  # the sentence(s) that carry the evidence
    #: what raised ("+") and lowered ("-") the score, in words (:mod:`review.explain`)
    reasons: tuple[tuple[str, str], ...] = ()
    #: the model's inputs for the pair (:data:`review.engine.FEATURES`): stored with the link so
    #: a reviewer's decision becomes a training example without recomputing the document
    features: tuple[float, ...] = field(default=(), compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "competency": self.competency,
            "score": round(self.score, 1),
            "evidence": [e.to_dict() for e in self.evidence],
            "sentences": list(self.sentences),
            "reasons": [list(r) for r in self.reasons],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Suggestion:
        return cls(
            d["competency"],
            float(d["score"]),
            tuple(Evidence.from_dict(e) for e in d.get("evidence", ())),
            tuple(str(x) for x in d.get("sentences", ())),
            reasons_from(d.get("reasons")),
        )


def reasons_from(raw: Any) -> tuple[tuple[str, str], ...]:
    """Stored reasons back as ``(sign, text)`` pairs; anything malformed is dropped."""
    out = []
    for r in raw or ():
        if isinstance(r, (list, tuple)) and len(r) == 2 and r[0] in ("+", "-"):
            out.append((str(r[0]), str(r[1])))
    return tuple(out)


# --------------------------------------------------------------------------- workflow vocabulary

ROLES = ("agency_user", "reviewer", "admin")
AGENCY_KINDS = ("general", "specialised")
STATES = ("draft", "submitted", "in_review", "changes_requested", "approved")
LINK_STATES = ("suggested", "confirmed", "rejected", "added")
COVERAGE_STATUSES = ("met", "partial", "not_addressed", "not_applicable")


@dataclass(frozen=True)
class CoverageRow:
    """One required competency of a document's review."""

    competency: str
    label: str
    statement: str
    status: str  # one of COVERAGE_STATUSES
    sections: tuple[str, ...] = ()  # section ids cited (confirmed/added links)
    justification: str = ""  # required for not_applicable; reviewer's note otherwise
    recommendation: str = ""  # for gaps
    training: tuple[str, ...] = ()  # training modules that help close a gap
    #: where ``justification`` comes from: "reviewer" (an assessment), "sub-skills" (derived), ""
    note_from: str = ""


@dataclass(frozen=True)
class HistoryEntry:
    action: str
    actor: str
    from_state: str
    to_state: str
    time: str  # ISO 8601, UTC
    comment: str = ""  # for approve / request_changes: the reviewer's conclusion
    #: approve (or a four-eyes first approval) with open gaps: the required competencies not
    #: addressed that the approver explicitly accepted, and how many
    accepted_findings: tuple[str, ...] = ()
    accepted_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if not self.accepted_findings and not self.accepted_count:
            del d["accepted_findings"], d["accepted_count"]  # stored only where they mean something
        else:
            d["accepted_findings"] = list(self.accepted_findings)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> HistoryEntry:
        return cls(
            action=d.get("action") or "",
            actor=d.get("actor") or "",
            from_state=d.get("from_state") or "",
            to_state=d.get("to_state") or "",
            time=d.get("time") or "",
            comment=d.get("comment") or "",
            accepted_findings=tuple(d.get("accepted_findings") or ()),
            accepted_count=int(d.get("accepted_count") or 0),
        )


@dataclass
class ReportLink:
    section_id: str
    competency: str
    state: str  # one of LINK_STATES
    score: float | None = None
    evidence: tuple[Evidence, ...] = ()
    note: str = ""
    reason: str = ""  # rejection reason
    decided_by: str = ""
    decided_at: str = ""
    sentences: tuple[str, ...] = ()  # the sentence(s) that carry the suggestion's evidence


@dataclass
class ReportContext:
    """Everything a report needs, gathered by the services (which check permissions first).

    Reports are pure: they turn this into bytes and never touch the store.
    """

    agency_name: str
    agency_kind: str
    document_id: str
    document_title: str
    version_number: int
    original_filename: str
    framework_id: str
    framework_title: str
    framework_version: str
    state: str
    reviewer: str  # display name, "" when unassigned
    created_at: str
    updated_at: str
    sections: list[Section]
    links: list[ReportLink]
    coverage: list[CoverageRow]
    history: list[HistoryEntry]
    original: bytes | None = None  # the uploaded file, for the annotated copy
    approver: str = ""
    approved_at: str = ""
    reviewed: bool = True  # False: links are machine suggestions only ("suggested, not reviewed")
    extra: dict[str, Any] = field(default_factory=dict)
