"""Display names cannot impersonate: a new or changed display name that looks like another
account's (a Cyrillic letter, doubled spaces, case, ASCII look-alikes) is refused, and so is one
with invisible or formatting characters — on the real services, on both stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.auth import SYSTEM
from review.errors import NotFound, PermissionDenied, ValidationFailed
from review.services import ReviewService

# every test runs on the TinyDB store and on PostgreSQL (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("store_backend")

PASSWORD = "a long enough password"


@pytest.fixture
def svc(data_dir: Path) -> ReviewService:
    s = ReviewService(data_dir=data_dir)
    s.create_user(SYSTEM, "jane", PASSWORD, "reviewer", None, "Jane Doe")
    s.create_user(SYSTEM, "ada", PASSWORD, "admin", None, "Ada Admin")
    return s


def _names(svc: ReviewService) -> dict[str, str]:
    return {u.username: u.display_name for u in svc.list_users(SYSTEM)}


LOOK_ALIKES = [
    "J\u0430ne Doe",  # Cyrillic a
    "Jane D\u043ee",  # Cyrillic o
    "\u0408ane Doe",  # Cyrillic Je
    "Jane Do\u0435",  # Cyrillic ie
    "J\u03b1ne Doe",  # Greek alpha
    "Jane  Doe",  # two spaces
    "  Jane Doe ",
    "Jane\tDoe",
    "Jane\u00a0Doe",  # no-break space
    "jane doe",
    "JANE DOE",
    "Jane D0e",  # zero for o
    "\uff2aane Doe",  # full-width J (NFKC)
]


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_a_new_user_cannot_take_a_look_alike_of_another_display_name(svc, name):
    with pytest.raises(ValidationFailed, match=r"looks too much like 'Jane Doe', the name of jane"):
        svc.create_user(SYSTEM, "mallory", PASSWORD, "reviewer", None, name)
    assert "mallory" not in _names(svc)


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_a_rename_cannot_take_a_look_alike_of_another_display_name(svc, name):
    svc.create_user(SYSTEM, "mallory", PASSWORD, "reviewer", None, "Mallory Smith")
    with pytest.raises(ValidationFailed, match=r"looks too much like 'Jane Doe', the name of jane"):
        svc.set_display_name(SYSTEM, "mallory", name)
    assert _names(svc)["mallory"] == "Mallory Smith"
    assert not svc.audit_events(SYSTEM, action="user_display_name", limit=None)


def test_the_message_names_both_names_and_the_foreign_letter(svc):
    with pytest.raises(ValidationFailed) as refused:
        svc.create_user(SYSTEM, "mallory", PASSWORD, "reviewer", None, "J\u0430ne Doe")
    assert str(refused.value) == (
        "the display name 'J\u0430ne Doe' looks too much like 'Jane Doe', the name of jane (it "
        "has U+0430 CYRILLIC SMALL LETTER A, not a Latin letter); choose a name that tells them "
        "apart (a middle initial, say)"
    )
    with pytest.raises(ValidationFailed) as spaced:
        svc.create_user(SYSTEM, "mallory", PASSWORD, "reviewer", None, "Jane   Doe")
    # the name as it would be stored (spaces collapsed), with no letter to blame
    assert str(spaced.value) == (
        "the display name 'Jane Doe' looks too much like 'Jane Doe', the name of jane; choose a "
        "name that tells them apart (a middle initial, say)"
    )


INVISIBLE = [
    ("Zed\u200bSmith", "U+200B ZERO WIDTH SPACE"),
    ("Zed Smith\u200d", "U+200D ZERO WIDTH JOINER"),
    ("\u202ehtimS deZ", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("Zed \u2067Smith\u2069", "U+2067 RIGHT-TO-LEFT ISOLATE, U+2069 POP DIRECTIONAL ISOLATE"),
    ("Zed\u200fSmith", "U+200F RIGHT-TO-LEFT MARK"),
    ("\ufeffZed Smith", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ("Zed Sm\u00adith", "U+00AD SOFT HYPHEN"),
    ("Zed\u3164Smith", "U+1160 HANGUL JUNGSEONG FILLER"),  # NFKC of the Hangul filler
    ("Zed Smith\u0007", "U+0007 unnamed"),
]


@pytest.mark.parametrize(("name", "found"), INVISIBLE)
def test_invisible_and_formatting_characters_are_refused_outright(svc, name, found):
    # no other account is called anything like "Zed Smith": refused for the character alone
    message = (
        "a display name cannot contain invisible or formatting characters "
        f"(found {found}); type it again without them"
    )
    with pytest.raises(ValidationFailed) as new:
        svc.create_user(SYSTEM, "zed", PASSWORD, "reviewer", None, name)
    assert str(new.value) == message
    assert "zed" not in _names(svc)
    with pytest.raises(ValidationFailed) as renamed:
        svc.set_display_name(SYSTEM, "jane", name)
    assert str(renamed.value) == message
    assert _names(svc)["jane"] == "Jane Doe"


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("Jane Doerr", "Jane Doerr"),
        ("Janet Doe", "Janet Doe"),
        ("Jane Q. Doe", "Jane Q. Doe"),
        ("  Jane   R.  Doe ", "Jane R. Doe"),  # stored with single spaces
        ("\u042e\u043b\u0438\u044f \u041f\u0435\u0442\u0440\u043e\u0432\u0430", "Юлия Петрова"),
        ("Jos\u00e9 Garc\u00eda", "José García"),
        ("Jose\u0301 Doe", "Jos\u00e9 Doe"),  # NFKC composes the accent
    ],
)
def test_a_distinct_display_name_is_accepted_and_stored_normalized(svc, name, stored):
    created = svc.create_user(SYSTEM, "newbie", PASSWORD, "reviewer", None, name)
    assert created.display_name == stored
    assert _names(svc)["newbie"] == stored
    svc.create_user(SYSTEM, "renamed", PASSWORD, "reviewer", None, "Placeholder Name")
    with pytest.raises(ValidationFailed, match="looks too much like"):  # taken by newbie now
        svc.set_display_name(SYSTEM, "renamed", stored.upper())
    svc.set_display_name(SYSTEM, "newbie", "Someone Else")
    assert svc.set_display_name(SYSTEM, "renamed", name).display_name == stored


def test_a_rename_is_recorded_and_shown_everywhere_the_name_is(svc):
    ada = svc.authenticate("ada", PASSWORD)
    view = svc.set_display_name(ada, "jane", "Jane Q. Doe")
    assert view.display_name == "Jane Q. Doe"
    assert _names(svc)["jane"] == "Jane Q. Doe"
    assert svc.actor("jane").name == "Jane Q. Doe"  # a running session picks it up
    (event,) = svc.audit_events(ada, action="user_display_name", limit=None)
    assert (event.actor, event.target) == ("ada", "jane")
    assert event.before == {"display_name": "Jane Doe"}
    assert event.after == {"display_name": "Jane Q. Doe"}
    # the old name is free again, for someone else
    svc.create_user(SYSTEM, "jane.doe", PASSWORD, "reviewer", None, "Jane Doe")


def test_one_may_keep_or_respace_ones_own_name(svc):
    # the account's own name is not "another account's": no refusal, nothing recorded
    assert svc.set_display_name(SYSTEM, "jane", "Jane  Doe").display_name == "Jane Doe"
    assert not svc.audit_events(SYSTEM, action="user_display_name", limit=None)
    svc.set_display_name(SYSTEM, "jane", "JANE DOE")
    assert _names(svc)["jane"] == "JANE DOE"


def test_a_deactivated_accounts_name_stays_protected(svc):
    svc.set_user_active(SYSTEM, "jane", False)  # still named in the trail and the reports
    with pytest.raises(ValidationFailed, match="the name of jane"):
        svc.create_user(SYSTEM, "mallory", PASSWORD, "reviewer", None, "J\u0430ne Doe")


def test_an_empty_display_name_is_the_username_and_checked_as_such(svc):
    created = svc.create_user(SYSTEM, "carol", PASSWORD, "reviewer", None, "   ")
    assert created.display_name == "carol"
    # "Carol" for another account would read the same as the username-named one
    with pytest.raises(ValidationFailed, match="looks too much like 'carol', the name of carol"):
        svc.create_user(SYSTEM, "carol2", PASSWORD, "reviewer", None, "Carol")


def test_only_an_admin_renames_and_only_existing_users(svc):
    jane = svc.authenticate("jane", PASSWORD)
    with pytest.raises(PermissionDenied):
        svc.set_display_name(jane, "jane", "Jane Smith")
    with pytest.raises(NotFound):
        svc.set_display_name(SYSTEM, "nobody", "No One")
    assert _names(svc)["jane"] == "Jane Doe"
