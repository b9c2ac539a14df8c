"""The wording of states, actions, statuses and kinds: one place for every page and report.

Pages (through :mod:`review.viewmodels`) and reports (through :mod:`review.reports._text`) read
these tables, so "In review", "Changes requested" or "Specialized" are spelled the same way in the
browser, in the Word reports and in the spreadsheets. American English throughout. The stored
ids (``in_review``, ``specialised``...) are internal and never shown.
"""

from __future__ import annotations

PRODUCT_NAME = "Competency Review"

#: workflow states (review.models.STATES)
STATE_LABELS: dict[str, str] = {
    "draft": "Draft",
    "submitted": "Submitted",
    "in_review": "In review",
    "changes_requested": "Changes requested",
    "approved": "Approved",
}

#: the buttons that perform a transition
TRANSITION_LABELS: dict[str, str] = {
    "submit": "Submit for review",
    "retract": "Retract submission",
    "claim": "Claim for review",
    "request_changes": "Request changes",
    "revise": "Start a revision",
    "approve": "Approve",
    "reopen": "Reopen review",
    "first_approval": "First approval (four-eyes)",
}

#: history entries, as what happened (past tense)
ACTION_LABELS: dict[str, str] = {
    "upload": "Uploaded",
    "submit": "Submitted for review",
    "retract": "Submission retracted",
    "claim": "Claimed for review",
    "request_changes": "Changes requested",
    "revise": "Revision started",
    "approve": "Approved",
    "reopen": "Review reopened",
    "first_approval": "First approval (four-eyes)",
    "comment": "Comment",
    "edit_remediation": "Remediation edited",
}

LINK_STATE_LABELS: dict[str, str] = {
    "suggested": "Suggested",
    "confirmed": "Confirmed",
    "rejected": "Rejected",
    "added": "Added by reviewer",
}

COVERAGE_LABELS: dict[str, str] = {
    "met": "Met",
    "partial": "Partial",
    "not_addressed": "Not addressed",
    "not_applicable": "Not applicable",
}

ROLE_LABELS: dict[str, str] = {
    "agency_user": "Agency user",
    "reviewer": "Reviewer",
    "admin": "Administrator",
}

#: agency kinds: short name, and what it means for a review
AGENCY_KIND_NAMES: dict[str, str] = {"general": "General", "specialised": "Specialized"}
AGENCY_KIND_LABELS: dict[str, str] = {
    "general": "General (serves children and youth: Core Competencies apply)",
    "specialised": "Specialized (serves sexually exploited or trafficked youth: "
    "Core and Advanced Competencies apply)",
}
#: what a user may type for a kind (the stored id is the value)
AGENCY_KIND_ALIASES: dict[str, str] = {
    "general": "general",
    "specialized": "specialised",
    "specialised": "specialised",
}

#: findings of a review report (see review.reports.decisions.severity)
SEVERITY_LABELS: dict[str, str] = {"high": "High", "medium": "Medium", "low": "Low"}

SUGGESTED_LABEL = "Suggested, not reviewed"
UNDECIDED_LABEL = "Undecided suggestion"


def _fallback(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def state_label(state: str) -> str:
    """Human label for a workflow state; an unknown state shows as itself, never an error."""
    return STATE_LABELS.get(state, _fallback(state))


def transition_label(action: str) -> str:
    return TRANSITION_LABELS.get(action, _fallback(action))


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, _fallback(action))


def coverage_label(status: str) -> str:
    return COVERAGE_LABELS.get(status, _fallback(status))


def link_state_label(state: str) -> str:
    return LINK_STATE_LABELS.get(state, _fallback(state))


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def agency_kind_name(kind: str) -> str:
    return AGENCY_KIND_NAMES.get(kind, _fallback(kind))


def agency_kind_label(kind: str) -> str:
    return AGENCY_KIND_LABELS.get(kind, _fallback(kind))


def severity_label(severity: str) -> str:
    return SEVERITY_LABELS.get(severity, _fallback(severity))


def state_change(from_state: str, to_state: str) -> str:
    """ "Submitted → In review" for a move; just the state when nothing moved (a comment) or the
    entry starts the history (an upload has no from-state)."""
    if not from_state or from_state == to_state:
        return state_label(to_state) if to_state else ""
    return f"{state_label(from_state)} → {state_label(to_state)}"
