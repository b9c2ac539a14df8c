"""The suggester's fast paths against plain equivalents, on generated text (never eval-dev text).

The suggester works on a whole document at once (one vocabulary, one vectorised pass that finds
the complete multi-word patterns, words that serve only exact sequences left untracked) and finds
token offsets only for the evidence it shows. None of that may change a suggestion:

* ``split_words`` gives exactly the tokens of ``tokenize`` and the same segment boundaries;
* the offsets found for evidence are ``tokenize``'s;
* a document scored at once gives exactly what its sections give scored one by one (each with its
  own, much smaller vocabulary, so every document-level shortcut is taken differently);
* sequences made only of words that would be untracked are still found.
"""

from __future__ import annotations

import random
import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.framework import framework_from_csv, get_framework
from review.matching import PhraseMatcher as Suggester
from review.matching import _Scored, split_words, tokenize
from review.models import Section

_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789 '’-.;!?,:\n\téü()"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=200))
def test_split_words_are_tokenize_tokens_and_segments(text):
    toks = tokenize(text)
    words, segs = split_words(text)
    assert words == [t[0] for t in toks]
    assert len(segs) == len(words)
    for i in range(len(words) - 1):
        assert segs[i] <= segs[i + 1]
        assert (segs[i] == segs[i + 1]) == (toks[i][4] == toks[i + 1][4])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=200))
def test_evidence_offsets_are_tokenize_offsets(text):
    words, _ = split_words(text)
    scored = _Scored(text, words, {}, {})
    if not words:
        return
    half = scored._offsets(len(words) // 2)[: len(words) // 2 + 1]  # found in two steps
    starts = scored._offsets(len(words) - 1)
    assert half == starts[: len(half)]
    assert starts == [t[1] for t in tokenize(text)]


def _phrases(fw) -> list[str]:
    return sorted({p for it in fw.items for p in it.phrases + it.strong_phrases + it.weak_phrases})


def _sections(phrases: list[str], n: int, seed: int) -> list[Section]:
    """Sections mixing framework phrases (inflected, misspelt, upper-cased, reordered, split by
    punctuation) with filler and stopwords: dense in hits, partial phrases and near misses."""
    rng = random.Random(seed)
    words = sorted({w for p in phrases for w in p.replace("-", " - ").split()})
    filler = "the staff of the agency shall in all cases do not at the time to be within".split()  # noqa: SIM905

    def mangle(w: str) -> str:
        r = rng.random()
        if len(w) > 5 and r < 0.1:
            i = rng.randrange(1, len(w) - 1)
            return w[:i] + w[i + 1 :]
        if r < 0.2:
            return w + rng.choice(["s", "ed", "ing", "'s"])
        if r < 0.25:
            return w.upper()
        return w

    out = []
    for k in range(n):
        parts = []
        for _ in range(rng.randint(0, 14)):
            r = rng.random()
            if r < 0.4:
                parts.append(" ".join(mangle(w) for w in rng.choice(phrases).split()))
            elif r < 0.7:
                parts.append(" ".join(mangle(rng.choice(words)) for _ in range(rng.randint(1, 5))))
            else:
                parts.append(" ".join(rng.choice(filler) for _ in range(rng.randint(1, 6))))
            parts.append(
                rng.choice([" ", " ", " and the ", ". ", "; ", ", ", " - ", "\n", " not "])
            )
        title = " ".join(rng.choice(words) for _ in range(rng.randint(0, 3))).title()
        out.append(Section(f"s{k}", title, 1, (title,), "".join(parts), k, k))
    return out


def _flat(suggestions):
    return [
        [
            (g.competency, g.score, [(e.phrase, e.start, e.end, e.score) for e in g.evidence])
            for g in s
        ]
        for s in suggestions
    ]


SEQUENCES_CSV = (
    "framework_id,id,statement,strong_phrases,phrases,weak_phrases\n"
    "seq,Q1,Sequences of common words.,in the life;to the;first-responder,the game,\n"
    "seq,Q2,Ordinary phrases.,human trafficking;first aid kit,work plan;at risk,staff\n"
    "seq,Q3,More.,do not disclose;self-care plan,post incident;the life,training\n"
)


@pytest.mark.parametrize("which", ["wisconsin", "sequences"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_whole_document_equals_section_by_section(which, seed):
    if which == "wisconsin":
        fw = get_framework()
        phrases = _phrases(fw)
    else:
        fw = framework_from_csv(SEQUENCES_CSV, "seq.csv")
        phrases = _phrases(fw) + ["in the", "the", "to", "first", "work", "post"]
    sections = _sections(phrases, 120, seed)
    whole = Suggester(fw).suggest(sections)
    assert sum(len(s) for s in whole) > 20  # the generated text does hit
    one_by_one = [Suggester(fw).suggest([s])[0] for s in sections]
    assert _flat(whole) == _flat(one_by_one)
    matrix = Suggester(fw).score_matrix(sections)
    assert matrix.scores == tuple(Suggester(fw).score_matrix([s]).scores[0] for s in sections)


def test_sequences_of_common_words_are_found():
    """Sequence phrases made of words that are otherwise untracked ("to the", "the life") are
    found at their exact places, and not across a sentence boundary or out of order."""
    fw = framework_from_csv(SEQUENCES_CSV, "seq.csv")
    s = Suggester(fw)
    text = (
        "Youth in the life are referred to the advocate. The life. In the\nlife the game; "
        "first responder and first-responder. Life the in. Then back to the"
    )
    [scored] = s._score([Section("x", "", 1, (), text, 0, 0)], list(range(len(fw.items))))
    found = sorted(
        (phrase, text[a:b])
        for item in scored.scores
        for phrase, a, b in ((e.phrase, e.start, e.end) for e in scored.evidence(item))
    )
    assert ("in the life", "in the life") in found
    assert ("to the", "to the") in found
    assert ("first-responder", "first responder") in found
    assert ("first-responder", "first-responder") in found
    spans = [(e.start, e.end) for item in scored.scores for e in scored.evidence(item)]
    assert (text.index("In the\nlife"), text.index("In the\nlife") + 11) not in spans
    assert all(text[a:b] != "Life the in" for a, b in spans)
    assert (len(text) - 6, len(text)) in spans  # a sequence that ends the text


def test_concurrent_suggest_on_one_suggester_equals_single_threaded():
    """Streamlit sessions are threads and share one Suggester: its fuzzy cache must never be seen
    half-filled (a stem cached as "no fuzzy match" before its matches are stored would silently
    lose hits). Documents with typos, so the fuzzy path matters; the threads' documents overlap
    in vocabulary, so they fill the cache with the same new stems at once. (The race this guards
    against showed in about one round of three before the fix; ten rounds are run.)"""
    fw = get_framework()
    phrases = _phrases(fw)
    docs = [_sections(phrases, 60, seed) for seed in range(10, 18)]
    expected = [_flat(Suggester(fw).suggest(d)) for d in docs]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often: interleavings that are rare otherwise
    try:
        for rnd in range(10):
            got = _suggest_in_threads(Suggester(fw), docs)
            for k in range(len(docs)):
                assert got[k] == expected[k], f"round {rnd}: document {k} differs from one thread"
    finally:
        sys.setswitchinterval(interval)


def _suggest_in_threads(shared: Suggester, docs: list[list[Section]]) -> list:
    """``_flat(shared.suggest(doc))`` for every document, each in its own thread, all at once."""
    got: list = [None] * len(docs)
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(docs))

    def work(k: int) -> None:
        try:
            barrier.wait()
            got[k] = _flat(shared.suggest(docs[k]))
        except BaseException as exc:  # re-raised in the test's thread below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(docs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return got
