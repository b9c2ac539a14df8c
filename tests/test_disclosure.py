"""What an agency sees when, deactivated accounts, look-alike usernames (issue 11, item 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.auth import SYSTEM
from review.errors import AuthenticationFailed, ValidationFailed
from tests.e2e_support import Seed


def test_agency_sees_the_reviewers_working_only_when_the_review_is_finished(data_dir: Path):
    seed = Seed(data_dir)
    svc = seed.svc
    alice, rita = seed.actor("alice"), seed.actor("rita")
    doc = seed.upload("alice").document_id
    svc.transition(alice, doc, "submit")
    svc.transition(rita, doc, "claim")
    links = svc.links(rita, doc)
    svc.reject_link(rita, doc, links[0].id, "private reason", note="private note")
    svc.add_link(rita, doc, svc.sections(rita, doc)[0].id, "C2", "hand note")
    # during the review: the suggestions as submitted, nothing of the reviewer's working
    seen = svc.links(alice, doc)
    assert {lk.state for lk in seen} == {"suggested"}
    assert not any(lk.reason or lk.note or lk.decided_by for lk in seen)
    assert len(seen) == len(links)  # the hand-added link is not shown yet
    assert all(r.status != "met" or not r.note for r in svc.coverage(alice, doc))
    # the reviewer still sees everything
    assert any(lk.reason == "private reason" for lk in svc.links(rita, doc))
    # when the reviewer requests changes, the agency sees the findings (reports open too)
    for lk in svc.links(rita, doc):
        if lk.state == "suggested":
            svc.confirm_link(rita, doc, lk.id)
    svc.transition(rita, doc, "request_changes", "please add a safety section")
    seen = svc.links(alice, doc)
    assert any(lk.reason == "private reason" for lk in seen)
    assert any(lk.state == "added" for lk in seen)


def test_a_deactivated_accounts_right_password_gets_the_wrong_password_message(data_dir: Path):
    seed = Seed(data_dir)
    seed.svc.set_user_active(SYSTEM, "rob", False)
    with pytest.raises(AuthenticationFailed) as right:
        seed.svc.authenticate("rob", seed.passwords["rob"])
    with pytest.raises(AuthenticationFailed) as wrong:
        seed.svc.authenticate("rob", "not the password at all")
    assert str(right.value) == str(wrong.value) == "wrong username or password"


@pytest.mark.parametrize(
    "name",
    [
        "r\u0131ta",  # dotless i
        "rit\u0430",  # Cyrillic a
        "\uff52\uff49\uff54\uff41",  # full-width: NFKC makes it "rita", which is taken
        "r1ta",
        "RITA",
        "r.i.t.a",
    ],
)
def test_look_alike_usernames_are_refused(data_dir: Path, name: str):
    seed = Seed(data_dir)
    # a display name of its own, so only the username can be what is refused
    with pytest.raises(ValidationFailed, match="username"):
        seed.svc.create_user(SYSTEM, name, "a fine password", "reviewer", None, "Rita Jones")
    assert len(seed.svc.list_users(seed.actor("admin"))) == 5


def test_distinct_usernames_are_still_accepted(data_dir: Path):
    seed = Seed(data_dir)
    created = seed.svc.create_user(SYSTEM, "rita.jones", "a fine password", "reviewer")
    assert created.username == "rita.jones"
