"""Per-upload resource limits with clear messages (issue 11, item 8): the parser's bounds are in
the hostile corpus (too_many_sections, too_many_runs, too_many_distinct_words,
zip64_many_members); here the service's (suggestions, analysis time), store left unchanged."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.errors import UnreadableDocument
from review.parsing.upload import _eocd_entries, distinct_words
from tests import hostile_files as hf
from tests.conftest import store_hash
from tests.e2e_support import Seed, policy_docx


@pytest.mark.parametrize(
    ("env", "detail"),
    [
        ("COMPETENCY_REVIEW_MAX_SUGGESTIONS", "suggestions"),
        ("COMPETENCY_REVIEW_MAX_ANALYSIS_SECONDS", "seconds"),
    ],
)
def test_service_limits_refuse_with_a_clear_message(data_dir, monkeypatch, env, detail):
    seed = Seed(data_dir)
    alice = seed.actor("alice")
    before = store_hash(data_dir)
    monkeypatch.setenv(env, "0")
    with pytest.raises(UnreadableDocument) as info:
        seed.svc.upload(alice, policy_docx(), "policy.docx")
    assert info.value.reason == "too_complex"
    assert detail in str(info.value) and "Split it into smaller documents" in str(info.value)
    assert store_hash(data_dir) == before


def test_zip64_member_count_is_read():
    data = hf.zip64_many_members(66_000)
    assert _eocd_entries(data) == 66_000 + len(
        __import__("zipfile").ZipFile(__import__("io").BytesIO(hf._basic_docx())).namelist()
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet="aZ9_ .-\n\t\u00a0\u2003İıßé", max_size=20),
            st.text(alphabet="aZ9_ .-\n\t\u00a0\u2003İıßé", max_size=60),
        ),
        max_size=6,
    )
)
def test_distinct_words_are_the_lower_cased_words_of_every_title_and_text(texts):
    # the distinct-words limit reads the words of the distinct whitespace chunks only
    sections = [SimpleNamespace(title=t, text=x) for t, x in texts]
    expected = {w.lower() for t, x in texts for part in (t, x) for w in re.findall(r"\w+", part)}
    assert distinct_words(sections) == expected
