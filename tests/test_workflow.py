"""The workflow table and its guards, checked from the data alone (no store)."""

from __future__ import annotations

import pytest

from review.errors import TransitionRefused
from review.models import ROLES, STATES
from review.workflow import (
    GUARDS,
    PERMISSIONS,
    WORKFLOW,
    Context,
    allowed_transitions,
    check,
    permits,
    refusal,
)

# The table of DESIGN.md: transition → (from, to, roles allowed)
EXPECTED = {
    "submit": ("draft", "submitted", {"agency_user"}),
    "retract": ("submitted", "draft", {"agency_user"}),
    "claim": ("submitted", "in_review", {"reviewer", "admin"}),
    "request_changes": ("in_review", "changes_requested", {"reviewer", "admin"}),
    "revise": ("changes_requested", "draft", {"agency_user"}),
    "approve": ("in_review", "approved", {"reviewer", "admin"}),
    "reopen": ("approved", "in_review", {"admin"}),
}


def ctx(role: str, state: str, **kw) -> Context:
    base = dict(
        role=role,
        username=f"{role}-1",
        state=state,
        comment="ok",
        version_count=1,
        new_version=True,
        lock_holder=f"{role}-1",  # the actor holds the review lock unless a test says otherwise
    )
    base.update(kw)
    return Context(**base)


def test_the_table_matches_the_design():
    assert set(WORKFLOW.transitions) == set(EXPECTED)
    for tid, (src, dst, roles) in EXPECTED.items():
        t = WORKFLOW.transitions[tid]
        assert t.from_states == (src,) and t.to_state == dst and set(t.roles) == roles
    assert set(WORKFLOW.states) == set(STATES)
    assert WORKFLOW.initial_state == "draft"


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", STATES)
def test_every_action_role_and_state(action: str, role: str, state: str):
    src, dst, roles = EXPECTED[action]
    reason = refusal(action, ctx(role, state))
    if state == src and role in roles:
        assert reason is None
        assert check(action, ctx(role, state)).to_state == dst
    else:
        assert reason
        with pytest.raises(TransitionRefused) as exc:
            check(action, ctx(role, state))
        assert str(exc.value) == reason
        if state == src:  # right state, wrong role: the message names who may do it
            assert reason.startswith("only ")


def test_role_refusals_read_well():
    assert (
        refusal("approve", ctx("agency_user", "in_review"))
        == "only a reviewer or an admin can approve"
    )
    assert refusal("reopen", ctx("reviewer", "approved")) == "only an admin can reopen"
    assert refusal("submit", ctx("reviewer", "draft")) == "only an agency user can submit"
    assert (
        refusal("approve", ctx("reviewer", "draft"))
        == "a document that is draft cannot be approved"
    )


@pytest.mark.parametrize("action", ["request_changes", "reopen"])
def test_comment_required(action: str):
    role = "admin"
    state = EXPECTED[action][0]
    assert (
        refusal(action, ctx(role, state, comment="   "))
        == f"a comment is required to {WORKFLOW.transitions[action].verb_text}"
    )
    assert refusal(action, ctx(role, state, comment="because")) is None


def test_approve_guards():
    assert (
        refusal("approve", ctx("reviewer", "in_review", undecided=3))
        == "3 suggestions are still undecided"
    )
    assert (
        refusal("approve", ctx("reviewer", "in_review", undecided=1))
        == "1 suggestion is still undecided"
    )
    no_self = refusal("approve", ctx("admin", "in_review", uploaded_by="admin-1"))
    assert no_self == "you uploaded this version, so someone else must review it"
    assert refusal("claim", ctx("admin", "submitted", uploaded_by="admin-1")) == no_self
    # approving needs the review lock: nobody approves a review they do not hold
    free = refusal("approve", ctx("reviewer", "in_review", lock_holder=""))
    assert free == "take the review lock first (claim the document or take over the lock)"
    held = refusal("approve", ctx("reviewer", "in_review", lock_holder="someone"))
    assert held == "someone holds the review lock on this document"
    assert refusal("approve", ctx("reviewer", "in_review", lock_holder="REVIEWER-1")) is None


def test_other_guards():
    assert (
        refusal("submit", ctx("agency_user", "draft", version_count=0))
        == "upload the document before submitting it"
    )
    assert refusal("revise", ctx("agency_user", "changes_requested", new_version=False))
    assert (
        refusal("claim", ctx("reviewer", "submitted", lock_holder="other"))
        == "other holds the review lock on this document"
    )
    assert refusal("frobnicate", ctx("admin", "draft")) == "there is no action called 'frobnicate'"


def test_every_guard_named_in_the_table_exists():
    for t in WORKFLOW.transitions.values():
        for g in t.guards:
            assert g in GUARDS


def test_allowed_transitions_per_state_and_role():
    def names(role, state, **kw):
        return {t.id for t in allowed_transitions(ctx(role, state, comment="", **kw))}

    assert names("agency_user", "draft") == {"submit"}
    assert names("agency_user", "submitted") == {"retract"}
    assert names("reviewer", "submitted") == {"claim"}
    assert names("reviewer", "in_review") == {"request_changes", "approve"}
    assert names("reviewer", "in_review", undecided=2) == {"request_changes"}
    assert names("admin", "approved") == {"reopen"}
    assert names("reviewer", "approved") == set()
    # revise happens through an upload, never as a button
    assert names("agency_user", "changes_requested") == set()


def test_permission_table_is_exported_and_sane():
    table = WORKFLOW.permissions
    assert set(table) == set(STATES)
    for state, perms in table.items():
        assert set(perms) == set(PERMISSIONS)
        assert set(perms["view"]) == set(ROLES), state  # tenant isolation is the services' job
    # the agency cannot change a document while it is in review
    assert not permits("in_review", "upload_version", "agency_user")
    assert not permits("submitted", "upload_version", "agency_user")
    assert not permits("approved", "upload_version", "agency_user")
    assert permits("draft", "upload_version", "agency_user")
    assert permits("changes_requested", "upload_version", "agency_user")
    # links are edited by staff only, only in review
    assert {s for s in STATES if table[s]["edit_links"]} == {"in_review"}
    assert set(table["in_review"]["edit_links"]) == {"reviewer", "admin"}


def test_options_keep_refused_transitions_with_their_reason():
    from review.workflow import options

    ctx = Context(
        role="reviewer", username="rita", state="in_review", undecided=3, lock_holder="rita"
    )
    got = {t.id: reason for t, reason in options(ctx)}
    assert got == {"request_changes": None, "approve": "3 suggestions are still undecided"}
    # the role filter: nothing for the agency in review, submit only in draft
    assert options(Context(role="agency_user", username="a", state="in_review")) == []
    draft = options(Context(role="agency_user", username="a", state="draft", version_count=1))
    assert [(t.id, r) for t, r in draft] == [("submit", None)]
    # revise is not manual: only with manual_only=False
    cr = Context(role="agency_user", username="a", state="changes_requested")
    assert options(cr) == []
    assert [t.id for t, _ in options(cr, manual_only=False)] == ["revise"]
    # allowed options are exactly allowed_transitions
    for state in STATES:
        for role in ROLES:
            c = Context(role=role, username="x", state=state, version_count=1)
            assert [t.id for t, r in options(c) if r is None] == [
                t.id for t in allowed_transitions(c)
            ]
