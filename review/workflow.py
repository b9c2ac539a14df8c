"""The review workflow, declared as data (after Plone's DCWorkflow).

:data:`WORKFLOW` holds the states, what each role may do in each state (permissions) and the
transitions with their roles and named guards. :func:`check` and :func:`allowed_transitions` only
read that data and the guard registry, so the rules live in one table that tests (and the
role × action × state matrix of issue 7) can walk: ``WORKFLOW.states``, ``WORKFLOW.transitions``,
``WORKFLOW.permissions``.

Roles
-----
* ``agency_user`` — acts only on its own agency's documents: uploads, submits, retracts, revises.
* ``reviewer`` — claims, decides links, requests changes, approves.
* ``admin`` — everything a reviewer may do (so a small team can run without a separate reviewer),
  plus ``reopen``, user and agency management. Admins do *not* upload or submit for an agency:
  an agency's statements stay the agency's, and the audit trail keeps saying who wrote what.
  The no-self-approval guard applies to admins too.

Every guard is a small function ``(ctx) -> None | str``: ``None`` lets the transition pass, a
string is the reason shown to the user.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from review.errors import TransitionRefused
from review.models import ROLES, STATES

PERMISSIONS = ("view", "edit_links", "upload_version", "download_reports", "comment")

ROLE_NAMES = {"agency_user": "an agency user", "reviewer": "a reviewer", "admin": "an admin"}


@dataclass(frozen=True)
class State:
    id: str
    title: str
    description: str
    #: permission → roles holding it in this state
    permissions: Mapping[str, tuple[str, ...]]

    def permits(self, permission: str, role: str) -> bool:
        return role in self.permissions.get(permission, ())


@dataclass(frozen=True)
class Transition:
    id: str
    title: str  # the button label
    from_states: tuple[str, ...]
    to_state: str
    roles: tuple[str, ...]
    requires_comment: bool = False
    guards: tuple[str, ...] = ()
    #: False for transitions that happen as part of another action (``revise`` is an upload)
    manual: bool = True
    verb: str = ""  # "approve", used in "only a reviewer or an admin can approve"

    @property
    def verb_text(self) -> str:
        return self.verb or self.id.replace("_", " ")


@dataclass(frozen=True)
class FourEyes:
    """The four-eyes rule: a second reviewer approves. ``everywhere`` turns it on for the whole
    deployment; ``agencies`` for some agencies only (ids or names, case-insensitive). The
    ``COMPETENCY_REVIEW_FOUR_EYES`` setting overrides the data: ``all``, or a comma-separated
    list of agency ids or names (``""``/unset: the data below)."""

    everywhere: bool = False
    agencies: tuple[str, ...] = ()

    def applies(self, agency_id: str, agency_name: str = "") -> bool:
        import os

        raw = os.environ.get("COMPETENCY_REVIEW_FOUR_EYES", "").strip()
        everywhere, agencies = self.everywhere, self.agencies
        if raw:
            everywhere = raw.casefold() in ("all", "1", "yes", "true")
            agencies = tuple(a.strip() for a in raw.split(",") if a.strip())
        if everywhere:
            return True
        keys = {agency_id.casefold(), agency_name.casefold()} - {""}
        return any(a.casefold() in keys for a in agencies)


@dataclass(frozen=True)
class Workflow:
    states: Mapping[str, State]
    transitions: Mapping[str, Transition]
    initial_state: str
    #: optional second approval (off unless declared here or in the deployment's setting)
    four_eyes: FourEyes = FourEyes()

    @property
    def permissions(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """``{state: {permission: roles}}`` — the permission table as plain data."""
        return {
            s.id: {p: tuple(s.permissions.get(p, ())) for p in PERMISSIONS}
            for s in self.states.values()
        }

    def permits(self, state: str, permission: str, role: str) -> bool:
        return self.states[state].permits(permission, role)


_AG, _RV, _AD = "agency_user", "reviewer", "admin"
_ALL = (_AG, _RV, _AD)
_STAFF = (_RV, _AD)

WORKFLOW = Workflow(
    initial_state="draft",
    states={
        "draft": State(
            "draft",
            "Draft",
            "The agency is preparing the document; reviewers may look but not decide.",
            {"view": _ALL, "upload_version": (_AG,), "download_reports": _ALL, "comment": _ALL},
        ),
        "submitted": State(
            "submitted",
            "Submitted",
            "Waiting in the review queue; the agency may retract it to change it.",
            {"view": _ALL, "download_reports": _ALL, "comment": _ALL},
        ),
        "in_review": State(
            "in_review",
            "In review",
            "A reviewer is deciding the links; the agency cannot change the document meanwhile.",
            {"view": _ALL, "edit_links": _STAFF, "download_reports": _STAFF, "comment": _ALL},
        ),
        "changes_requested": State(
            "changes_requested",
            "Changes requested",
            "The reviewer asked for changes; the agency uploads a revised version.",
            {"view": _ALL, "upload_version": (_AG,), "download_reports": _ALL, "comment": _ALL},
        ),
        "approved": State(
            "approved",
            "Approved",
            "The review is complete; only an admin can reopen it.",
            {"view": _ALL, "download_reports": _ALL, "comment": _STAFF},
        ),
    },
    transitions={
        "submit": Transition(
            "submit", "Submit for review", ("draft",), "submitted", (_AG,), guards=("has_version",)
        ),
        "retract": Transition("retract", "Retract", ("submitted",), "draft", (_AG,)),
        "claim": Transition(
            "claim",
            "Claim for review",
            ("submitted",),
            "in_review",
            _STAFF,
            # whoever uploaded the version under review cannot review it (even if made a
            # reviewer since): claiming, deciding links and approving are refused
            guards=("lock_not_held_by_other", "not_uploader"),
        ),
        "request_changes": Transition(
            "request_changes",
            "Request changes",
            ("in_review",),
            "changes_requested",
            _STAFF,
            requires_comment=True,
            guards=("lock_not_held_by_other",),
            verb="request changes",
        ),
        "revise": Transition(
            "revise",
            "Upload a revised version",
            ("changes_requested",),
            "draft",
            (_AG,),
            guards=("new_version_uploaded",),
            manual=False,
            verb="revise",
        ),
        "approve": Transition(
            "approve",
            "Approve",
            ("in_review",),
            "approved",
            _STAFF,
            guards=(
                "lock_not_held_by_other",
                "not_uploader",
                "holds_lock",
                "all_suggestions_decided",
                "open_findings_accepted",
                "second_reviewer",
            ),
        ),
        "reopen": Transition(
            "reopen", "Reopen", ("approved",), "in_review", (_AD,), requires_comment=True
        ),
    },
)

assert set(WORKFLOW.states) == set(STATES), "workflow states must match review.models.STATES"
assert all(
    r in ROLES for s in WORKFLOW.states.values() for rs in s.permissions.values() for r in rs
)


# --------------------------------------------------------------------------- guards


@dataclass(frozen=True)
class Context:
    """What the guards may look at; the services fill it from the store."""

    role: str
    username: str
    state: str
    comment: str = ""
    version_count: int = 0
    uploaded_by: str = ""  # uploader of the current version
    undecided: int = 0  # links still ``suggested`` on the current version
    lock_holder: str = ""  # holder of a live (not expired) review lock, "" when free
    lock_holder_name: str = ""  # their display name, for messages
    new_version: bool = False  # set by the upload service for ``revise``
    #: required competencies no section addresses (the open findings an approval accepts)
    open_findings: tuple[str, ...] = ()
    #: how many open findings the approver explicitly accepted (None: not asked)
    accepted_findings: int | None = None
    #: four-eyes rule in force for this document, and who gave the first approval of this version
    four_eyes: bool = False
    first_approver: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)


Guard = Callable[[Context], "str | None"]
GUARDS: dict[str, Guard] = {}


def guard(name: str) -> Callable[[Guard], Guard]:
    def deco(fn: Guard) -> Guard:
        GUARDS[name] = fn
        return fn

    return deco


@guard("has_version")
def _has_version(ctx: Context) -> str | None:
    return None if ctx.version_count > 0 else "upload the document before submitting it"


@guard("lock_not_held_by_other")
def _lock_free(ctx: Context) -> str | None:
    if ctx.lock_holder and ctx.lock_holder.casefold() != ctx.username.casefold():
        return f"{ctx.lock_holder_name or ctx.lock_holder} holds the review lock on this document"
    return None


@guard("holds_lock")
def _holds_lock(ctx: Context) -> str | None:
    """Approving is the act of the reviewer holding the review lock: nobody approves in one click
    a review someone else did (or that nobody holds)."""
    if ctx.lock_holder.casefold() != ctx.username.casefold() or not ctx.username:
        return "take the review lock first (claim the document or take over the lock)"
    return None


@guard("not_uploader")
def _not_uploader(ctx: Context) -> str | None:
    if ctx.uploaded_by and ctx.uploaded_by.casefold() == ctx.username.casefold():
        return "you uploaded this version, so someone else must review it"
    return None


@guard("all_suggestions_decided")
def _all_decided(ctx: Context) -> str | None:
    if ctx.undecided == 1:
        return "1 suggestion is still undecided"
    if ctx.undecided:
        return f"{ctx.undecided} suggestions are still undecided"
    return None


def _findings(n: int) -> str:
    return "1 open finding" if n == 1 else f"{n} open findings"


@guard("open_findings_accepted")
def _open_findings_accepted(ctx: Context) -> str | None:
    """Approving while required competencies are not addressed needs the reviewer's conclusion
    and an explicit acceptance of exactly those findings (a stale page accepting fewer is
    refused)."""
    n = len(ctx.open_findings)
    if not n:
        return None
    gaps = "1 required competency is" if n == 1 else f"{n} required competencies are"
    if not ctx.comment.strip():
        return f"{gaps} not addressed: write your conclusion to approve with {_findings(n)}"
    if ctx.accepted_findings != n:
        return f"{gaps} not addressed: accept the {_findings(n)} to approve"
    return None


@guard("second_reviewer")
def _second_reviewer(ctx: Context) -> str | None:
    """Four-eyes: the first approval of a version is recorded and the review waits for a second
    reviewer; the one who gave the first approval cannot give the second."""
    if ctx.four_eyes and ctx.first_approver.casefold() == ctx.username.casefold():
        return "you gave the first approval; a second reviewer must approve (four-eyes rule)"
    return None


@guard("new_version_uploaded")
def _new_version(ctx: Context) -> str | None:
    return None if ctx.new_version else "upload a revised version to revise the document"


# --------------------------------------------------------------------------- checks


def _roles_text(roles: tuple[str, ...]) -> str:
    names = [ROLE_NAMES[r] for r in roles]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def refusal(action: str, ctx: Context) -> str | None:
    """Why ``action`` may not happen in ``ctx``, or ``None`` when it may."""
    t = WORKFLOW.transitions.get(action)
    if t is None:
        return f"there is no action called {action!r}"
    if ctx.state not in t.from_states:
        state = (
            WORKFLOW.states[ctx.state].title.lower() if ctx.state in WORKFLOW.states else ctx.state
        )
        return f"a document that is {state} cannot be {_past(t)}"
    if ctx.role not in t.roles:
        return f"only {_roles_text(t.roles)} can {t.verb_text}"
    if t.requires_comment and not ctx.comment.strip():
        return f"a comment is required to {t.verb_text}"
    for name in t.guards:
        reason = GUARDS[name](ctx)
        if reason:
            return reason
    return None


def _past(t: Transition) -> str:
    return {
        "submit": "submitted",
        "retract": "retracted",
        "claim": "claimed",
        "request_changes": "sent back for changes",
        "revise": "revised",
        "approve": "approved",
        "reopen": "reopened",
    }.get(t.id, t.verb_text + "ed")


def check(action: str, ctx: Context) -> Transition:
    """The transition if it may happen, else :class:`TransitionRefused` naming the reason."""
    reason = refusal(action, ctx)
    if reason:
        raise TransitionRefused(reason)
    return WORKFLOW.transitions[action]


def allowed_transitions(ctx: Context, *, manual_only: bool = True) -> list[Transition]:
    """Transitions the actor could take now (comment-requiring ones count as allowed: the UI asks
    for the comment)."""
    probe = _probe(ctx)
    return [
        t
        for t in WORKFLOW.transitions.values()
        if (t.manual or not manual_only) and refusal(t.id, probe) is None
    ]


def options(ctx: Context, *, manual_only: bool = True) -> list[tuple[Transition, str | None]]:
    """Every transition whose from-state is ``ctx.state`` and whose roles include ``ctx.role``,
    with its refusal (``None`` when it may happen now). A missing comment is not a refusal here:
    the UI asks for it. Unlike :func:`allowed_transitions` this keeps the refused ones, so a page
    can show "Approve" disabled with the reason instead of hiding it."""
    probe = _probe(ctx)
    return [
        (t, refusal(t.id, probe))
        for t in WORKFLOW.transitions.values()
        if (t.manual or not manual_only) and ctx.state in t.from_states and ctx.role in t.roles
    ]


def _probe(ctx: Context) -> Context:
    """``ctx`` with what the UI asks for at the moment of acting (a comment, the acceptance of
    the open findings) taken as given: such an action is offered, with a form."""
    return Context(
        **{
            **ctx.__dict__,
            "comment": ctx.comment or "x",
            "accepted_findings": len(ctx.open_findings),
        }
    )


def permits(state: str, permission: str, role: str) -> bool:
    """Whether ``role`` holds ``permission`` in ``state`` (agency ownership is checked by services)."""
    return WORKFLOW.permits(state, permission, role)
