"""The services the UI and the CLI call. Every call takes the acting user and checks permission
itself (an agency user never sees another agency's documents: they get ``NotFound``).

API summary (``svc = ReviewService(data_dir=...)`` or ``ReviewService(repo, clock=...)``)::

  sign-in     svc.authenticate(username, password, client_id) -> Actor     (AuthenticationFailed)
              svc.actor(username) -> Actor                 re-load a signed-in user
              svc.has_users() -> bool
              svc.sign_out(actor)                             (recorded in the audit trail)
  sessions    svc.grant_sign_in(actor) -> code;  svc.open_session(code, client) -> (token, max_age)
              svc.resume_session(token) -> Actor;  svc.end_session(token)   (see .sessions)
  admin       svc.create_agency(actor, name, kind) -> AgencyView;  svc.list_agencies(actor)
              svc.find_agency(actor, id_or_name) -> AgencyView
              svc.create_user(actor, username, password, role, agency_id=None, display_name="")
              svc.list_users(actor) -> [UserView];  svc.set_user_active(actor, username, active)
              svc.set_role(actor, username, role, agency_id=None)
              svc.set_display_name(actor, username, name) -> UserView   (no look-alike names)
              svc.set_password(actor, username, new, current_password=None)   (own: current required)
              svc.reset_password(actor, username) -> str   random password, shown once
  frameworks  svc.list_frameworks(actor) -> [Framework];  svc.framework(actor, id) / svc.framework(id)
              svc.preview_framework / import_framework(actor, filename, data) -> Framework
              svc.framework_imports(actor) -> [FrameworkImport]   (imports go to <data>/frameworks)
  documents   svc.upload(actor, data, filename, document_id=None, title=None) -> UploadResult
              svc.get_document(actor, doc_id) -> DocumentView   (.permissions, .actions, .lock,
                  .can_edit_links/.edit_blocked_reason, .can_release_lock, .latest_change_request)
              svc.list_documents(actor, state=None, agency_id=None) -> [DocumentSummary]
                  (summaries carry last_action / last_actor / last_action_at)
              svc.review_items(actor, doc_id) -> [Item]   competencies the review covers
              svc.sections(actor, doc_id, version=None) -> [Section]
              svc.links(actor, doc_id, version=None) -> [LinkView]
              svc.original(actor, doc_id, version=None) -> (filename, bytes)
  links       svc.confirm_link / reject_link(reason) / undo_link / decide_link(actor, doc_id, link_id, ...)
              svc.confirm_links(actor, doc_id, link_ids, note="") -> int   one transaction, all or none
              svc.add_link(actor, doc_id, section_id, competency, note="");  svc.remove_link(...)
  learning    svc.learning_status(actor) -> LearningStatus;  svc.set_learning_enabled(actor, on)
              svc.reset_learning(actor) -> int   (admin; decisions are recorded automatically)
              svc.set_link_note(actor, doc_id, link_id, note)
  workflow    svc.transition(actor, doc_id, action, comment="", *, accept_open_findings=None)
                  -> DocumentView  (TransitionRefused; approve with open gaps needs the comment
                  = conclusion and accept_open_findings = their number)
              actions: submit, retract, claim, request_changes, approve, reopen (revise = upload)
              svc.transition_options(actor, doc_id) -> [TransitionOption]  (refused ones + reason)
              svc.comment(actor, doc_id, text);  svc.history(actor, doc_id) -> [HistoryEntry]
              svc.audit_trail(actor, limit=200, agency_id=None, action=None, since=None)
                  -> [AuditEntry]   admin; every document's history, newest first
              svc.audit_events(actor, document_id=, username=, agency_id=, action=, since=,
                  until=, limit=500) -> [AuditEvent]   admin; every change to a decision or an
                  account (review.audit);  svc.audit_csv(actor, **filters) -> bytes
  lock        svc.lock_status / acquire_lock / release_lock(actor, doc_id)            (LockHeld)
  worklists   svc.worklists(actor) -> [Worklist] (.label "Awaiting review (3)", .documents)
              svc.worklist(actor, name)  names: awaiting_review, my_reviews, changes_requested,
              my_agency, all_documents
  coverage    svc.coverage(actor, doc_id) -> [CoverageRow];  svc.coverage_summary(...) -> CoverageSummary
              svc.coverage_overview(actor, doc_id) -> (rows, summary)   one read for both
              svc.assess(actor, doc_id, competency, "partial"|"not_applicable"|None, note)
              svc.coverage_csv(actor, doc_id) -> bytes
  reports     svc.review_report / annotated_policy / coverage_csv / coverage_xlsx(actor, doc_id,
              version=None, ...) -> bytes      (download permission checked)
              svc.report_context(actor, doc_id, version=None) -> ReportContext
                  (.extra["elsewhere"]: what the agency's other documents meet;
                  .extra["remediations"] / ["plan"]: the reviewer's remediation plan)
  agency      review.services.agency_coverage: agency_coverage(svc, actor, agency_id=None)
                  -> AgencyCoverage;  agency_coverage_report(svc, actor, agency_id=None) -> bytes
                  agency_choices(svc, actor) -> [(id, name)]
  remediation review.services.remediation.set_remediation(svc, actor, doc_id, competency,
                  text=None, owner=None, due=None)   same rules as deciding links; in the history

Errors are :mod:`review.errors` types whose ``str()`` is the message to show.
"""

from review.auth import SYSTEM, Actor
from review.services.core import ReviewService
from review.services.views import (
    AgencyView,
    AssessmentChange,
    AuditEntry,
    CoverageSummary,
    DocumentSummary,
    DocumentView,
    FrameworkImport,
    LinkChange,
    LinkView,
    LockInfo,
    TransitionOption,
    UploadResult,
    UserView,
    VersionInfo,
    Worklist,
)

__all__ = [
    "SYSTEM",
    "Actor",
    "AgencyView",
    "AssessmentChange",
    "AuditEntry",
    "CoverageSummary",
    "DocumentSummary",
    "DocumentView",
    "FrameworkImport",
    "LinkChange",
    "LinkView",
    "LockInfo",
    "ReviewService",
    "TransitionOption",
    "UploadResult",
    "UserView",
    "VersionInfo",
    "Worklist",
]
