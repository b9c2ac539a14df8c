"""What the services return: small frozen dataclasses, never store records or TinyDB documents."""

from __future__ import annotations

from dataclasses import dataclass, field

from review.models import Evidence, HistoryEntry


@dataclass(frozen=True)
class AgencyView:
    id: str
    name: str
    kind: str  # general | specialised
    created_at: str = ""


@dataclass(frozen=True)
class UserView:
    username: str
    display_name: str
    role: str
    agency_id: str | None
    agency_name: str
    active: bool
    created_at: str = ""


@dataclass(frozen=True)
class DocumentSummary:
    """One row of a worklist."""

    id: str
    title: str
    agency_id: str
    agency_name: str
    state: str
    current_version: int
    reviewer: str  # username of the assigned reviewer, "" when unassigned
    uploaded_by: str
    created_at: str
    updated_at: str
    submitted_at: str = ""
    #: the newest history entry (upload, transition or comment), kept on the index row so a
    #: worklist shows it without reading every document; "" for rows written before it existed
    last_action: str = ""
    last_actor: str = ""  # username
    last_action_at: str = ""
    last_actor_name: str = ""  # display name of last_actor


@dataclass(frozen=True)
class VersionInfo:
    number: int
    filename: str
    sha256: str
    size: int
    uploaded_by: str
    uploaded_at: str
    framework_id: str
    framework_version: str
    section_count: int
    format: str = "docx"  # what the parser detected: docx | txt | md
    #: words of the file's text Word does not show, left out of the review, by reason
    #: (ParsedDocument.left_out): reviewers are told, so nothing is kept from them unseen
    left_out: tuple[tuple[str, int], ...] = ()

    @property
    def left_out_note(self) -> str:
        """What the workspace tells reviewers about the text left out ("" for none)."""
        if not self.left_out:
            return ""
        from review.parsing.visibility import left_out_note

        return f"Version {self.number}: " + left_out_note(self.left_out)


@dataclass(frozen=True)
class LockInfo:
    holder: str
    holder_name: str
    since: str
    expires_at: str
    mine: bool


@dataclass(frozen=True)
class DocumentView:
    """A document as the acting user may see it, with what they may do now."""

    summary: DocumentSummary
    agency_kind: str
    versions: tuple[VersionInfo, ...]
    lock: LockInfo | None
    #: permission name (see review.workflow.PERMISSIONS) → whether the actor holds it now
    permissions: dict[str, bool]
    #: transition ids the actor may take now (manual ones; comment-requiring ones included)
    actions: tuple[str, ...]
    reviewer_name: str = ""
    approved_by: str = ""
    approved_at: str = ""
    #: the actor may decide links now: the state and role permit it AND the review lock is free,
    #: expired or theirs (taking an action would refresh it)
    can_edit_links: bool = False
    #: why not, when ``can_edit_links`` is False ("Rita Reviewer holds the review lock …")
    edit_blocked_reason: str = ""
    #: a live lock exists and the actor is its holder or an admin
    can_release_lock: bool = False
    #: the newest "request changes" of the history (actor as display name), None when none:
    #: what the agency must read while the document is in ``changes_requested``
    latest_change_request: HistoryEntry | None = None
    #: an annotated copy of the current version can be made (its original is a .docx)
    annotatable: bool = False

    @property
    def id(self) -> str:
        return self.summary.id

    @property
    def state(self) -> str:
        return self.summary.state

    @property
    def title(self) -> str:
        return self.summary.title


@dataclass(frozen=True)
class LinkView:
    id: str
    version: int
    section_id: str
    competency: str
    state: str  # suggested | confirmed | rejected | added
    score: float | None = None
    evidence: tuple[Evidence, ...] = ()
    note: str = ""
    reason: str = ""
    decided_by: str = ""
    decided_at: str = ""
    #: the sentence(s) of the section that carry the suggestion's evidence
    sentences: tuple[str, ...] = ()
    #: what raised ("+") and lowered ("-") the suggestion's score, in words
    reasons: tuple[tuple[str, str], ...] = ()
    #: "changed": came back for re-review after the section's text changed in a new version
    flag: str = ""
    origin: str = "suggester"  # suggester | carried | hand


@dataclass(frozen=True)
class NearMissView:
    """A section the engine did not suggest for a gap competency, among its best for it."""

    section_id: str
    section_title: str
    score: float  # 0-100, as a suggestion's
    sentence: str  # the sentence that carries most of its evidence ("" when none)


@dataclass(frozen=True)
class LinkChange:
    """What happened to one link when a new version was uploaded."""

    section_id: str
    section_title: str
    competency: str
    previous_state: str
    state: str  # state in the new version ("" when dropped)
    reason: str


@dataclass(frozen=True)
class AssessmentChange:
    """What happened to one competency assessment (partial / not applicable) on a new version."""

    competency: str
    status: str  # "partial" or "not_applicable"
    note: str
    carried: bool  # True: kept on the new version; False: dropped, to assess again
    reason: str


@dataclass(frozen=True)
class UploadResult:
    document_id: str
    version: int
    state: str
    transition: str | None  # "revise" when the upload moved the document back to draft
    section_count: int
    suggestion_count: int  # links created in state suggested
    carried: tuple[LinkChange, ...] = ()  # decisions kept (section unchanged)
    needs_review: tuple[LinkChange, ...] = ()  # back to suggested, flagged "changed"
    dropped: tuple[LinkChange, ...] = ()  # section gone: the decision could not be carried
    #: what the stored copy no longer has (review.parsing.sanitize): "1 embedded object", ...
    removed: tuple[str, ...] = ()
    #: words of text Word does not show left out of the review, by reason
    #: (ParsedDocument.left_out; told by review.parsing.visibility.left_out_note)
    left_out: tuple[tuple[str, int], ...] = ()
    #: assessments (partial / not applicable) kept or dropped on the new version
    assessments: tuple[AssessmentChange, ...] = ()

    @property
    def assessments_carried(self) -> tuple[AssessmentChange, ...]:
        return tuple(a for a in self.assessments if a.carried)

    @property
    def assessments_dropped(self) -> tuple[AssessmentChange, ...]:
        return tuple(a for a in self.assessments if not a.carried)

    @property
    def message(self) -> str:
        if self.version == 1:
            text = f"Uploaded: {self.section_count} sections, {self.suggestion_count} suggestions to review."
        else:
            text = (
                f"Version {self.version} uploaded: {len(self.carried)} decisions carried over, "
                f"{len(self.needs_review)} links need re-review, {len(self.dropped)} dropped."
            )
            if self.assessments:
                text += (
                    f" Assessments: {len(self.assessments_carried)} carried over, "
                    f"{len(self.assessments_dropped)} to assess again."
                )
        if self.removed:
            from review.parsing.sanitize import removed_note

            text += " " + removed_note(self.removed)
        if self.left_out:
            from review.parsing.visibility import left_out_note

            text += " " + left_out_note(self.left_out)
        return text


@dataclass(frozen=True)
class CoverageSummary:
    total: int  # required competencies
    counts: dict[str, int]  # status → count
    decided: int  # met + partial + not_applicable
    undecided_links: int  # links still "suggested"

    @property
    def gaps(self) -> int:
        return self.counts.get("not_addressed", 0)

    @property
    def text(self) -> str:
        return f"{self.decided} of {self.total} required competencies decided"


@dataclass(frozen=True)
class Worklist:
    name: str  # awaiting_review | my_reviews | changes_requested | my_agency | all_documents
    title: str
    documents: tuple[DocumentSummary, ...] = field(default_factory=tuple)

    @property
    def count(self) -> int:
        return len(self.documents)

    @property
    def label(self) -> str:
        """``"Awaiting review (3)"``."""
        return f"{self.title} ({self.count})"


@dataclass(frozen=True)
class TransitionOption:
    """A workflow transition the actor's role could take from the current state, with the guard
    result: the UI shows a disabled button with ``reason`` instead of hiding it."""

    action: str
    label: str
    allowed: bool
    reason: str  # "" when allowed
    requires_comment: bool
    #: approve: required competencies not addressed; the UI asks for a conclusion and an
    #: explicit "accept N open findings" (``transition(..., accept_open_findings=N)``)
    open_findings: tuple[str, ...] = ()
    #: approve under the four-eyes rule: "" (a first approval is recorded, the review waits for
    #: a second reviewer) or the username of the first approver (this approval completes it)
    four_eyes: bool = False
    first_approver: str = ""


@dataclass(frozen=True)
class AuditEntry:
    """One history entry of one document, for the cross-document audit trail."""

    time: str
    action: str
    actor: str  # username
    actor_name: str
    from_state: str
    to_state: str
    comment: str
    document_id: str
    document_title: str
    agency_id: str
    agency_name: str
    #: position in the document's history (orders entries of one document within one second)
    seq: int = 0


@dataclass(frozen=True)
class FrameworkImport:
    """Who installed which framework file, and when (kept in the directory store)."""

    framework_id: str
    title: str
    version: str
    filename: str
    sha256: str
    items: int
    imported_by: str
    imported_at: str
