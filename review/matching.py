"""Suggest which competencies each section of a policy evidences.

Why this design (measured on ``eval-dev``; see ``bench/`` and the README figures):

* Policies say the same thing in many words, so similarity to the competency *statement* alone is
  weak (token-set ratio: F1 ≈ 0.25). Each framework item instead carries *match phrases*: the words
  real policies use ("mandated reporter", "employee assistance program", "missing from care").
* Text and phrases are tokenised, lower-cased and stemmed (Snowball/Porter2), so inflections meet
  ("reporting"/"reporter", "traumatized"/"trauma"). Hyphenated compounds are joined
  ("self-care" → "selfcare") and phrases also match their spaced form.
* Typos and spelling variants: the document's vocabulary is built once and every long phrase stem
  is fuzzy-matched against it with :func:`rapidfuzz.process.cdist` (``fuzz.ratio``); short stems
  must match exactly (fuzzy short words collide too often).
* A phrase *hits* when all its content words occur in one sentence within a small window, in any
  order ("training on human trafficking" hits "human trafficking training"). A hit inside a longer
  hit of another phrase is dropped ("secondary traumatic stress" is C5 evidence, not C4).
* Scoring: strong phrases are evidence on their own; ordinary phrases need company; weak (generic)
  words only add to other hits. The sum is damped for long sections, which collect incidental
  hits. ``score = 100·(1 − e^(−evidence))``.
* Parent items (C6, the umbrella of the eleven skills) score from their own phrases (evidence-based
  and trauma-informed practice models) or, as an umbrella, when at least ``parent_min_children``
  of their children are suggested for the same section.

Everything is deterministic: phrases and vocabularies are processed in sorted or document order
and ties are broken by competency id.

How it stays fast on a 5,000-section manual (``bench/bench_analyze.py``; the results are exactly
those of scoring each section on its own, ``tests/test_matching_golden.py``): a whole document
is scored at once. Its words are split at sentence boundaries and tokenised in C
(:func:`split_words`), its vocabulary is stemmed and fuzzy-matched once, and words no phrase
uses are dropped by C-level membership tests. The multi-word patterns complete in each section
are found from a set intersection per section and one numpy pass per chunk of sections; the window
search runs only for those. Sections are scored and yielded one by one, so their intermediate
objects die young and the garbage collector's full passes over the heap stay rare (they cost more
than any single step). Words that
serve only exact sequences ("the" of "the life") are not tracked: sequences are read off the
words around a tracked anchor word. Character offsets are found only for the evidence shown.
"""

from __future__ import annotations

import gc
import math
import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Container, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, chain, compress, count, repeat
from operator import itemgetter

import numpy as np
import snowballstemmer
from rapidfuzz import fuzz, process

from review.framework import Framework, Item
from review.models import Evidence, Section, Suggestion
from review.parsing.sections import title_key

#: words too common to carry meaning in a phrase or a window ("not", "no" and "without" are kept:
#: "do not disclose" and "without permission" need them)
_STOPWORD_TEXT = """a an the of to in on for and or nor with by at from as is are be been being was
were that this these those it its their theirs they them his her hers he she we our ours you your
yours shall must will may might should can could would any all each every such which who whom whose
when where if than then also other into about within upon via per i.e e.g etc do does did has have
had so there here what how why both either"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())  # noqa: SIM905 - a readable word list

_TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:['’\-][A-Za-z0-9]+)*")
_JOINERS = str.maketrans("", "", "-'’")

STRENGTHS = ("strong", "normal", "weak")

#: sections scored together (see :meth:`Suggester._score`)
_CHUNK = 256


@dataclass(frozen=True)
class MatchSettings:
    """Knobs of the suggester. The defaults were measured on ``eval-dev`` (threshold sweep in the
    README) and chosen in the middle of a plateau, not at a single best point."""

    #: a suggestion needs at least this score (0-100)
    threshold: float = 60.0
    #: at most this many suggestions per section
    top_k: int = 4
    #: keep only suggestions scoring at least this fraction of the section's best one
    relative_floor: float = 0.0
    #: fuzz.ratio a vocabulary stem needs to stand for a phrase stem
    fuzzy_cutoff: float = 88.0
    #: stems shorter than this match exactly only
    fuzzy_min_len: int = 5
    #: extra content words allowed inside a phrase's window
    max_gap: int = 2
    strong_weight: float = 1.2
    normal_weight: float = 0.55
    #: an ordinary phrase of one word is less specific than one of several
    single_word_weight: float = 0.35
    weak_weight: float = 0.25
    #: weak words together add at most this much evidence
    weak_cap: float = 0.3
    #: extra evidence per repeated hit of a phrase (times the phrase weight), at most ``max_repeats``
    repeat_bonus: float = 0.15
    max_repeats: int = 2
    #: hits in the section title count this many times their weight
    title_boost: float = 2.0
    #: content words beyond which accumulated (non-strong) evidence is damped
    length_pivot: int = 150
    length_damping: float = 0.35
    #: weight of the share of an item's distinctive statement words found in the section
    statement_weight: float = 0.0
    #: hits kept per phrase and section (evidence to show; repeats beyond ``max_repeats`` add nothing)
    max_evidence: int = 5
    #: a parent item (C6) is suggested as umbrella when this many of its children are
    parent_min_children: int = 3


@contextmanager
def gc_paused():
    """The cyclic garbage collector paused for a whole-document step (scoring, building the JSON).

    Such a step creates hundreds of thousands of small containers (hits, statistics, features)
    that live until the step ends, and nothing in it makes reference cycles: the collector's
    passes over the growing heap find nothing to free and cost more than any single step
    (20-30 % of a 5,000-section manual). Reference counting still frees everything at once.
    Nested and concurrent uses are safe: only the outermost use that found the collector on
    turns it back on (another thread's step may then run with it on, which is only slower)."""
    was_on = gc.isenabled()
    if was_on:
        gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


# --------------------------------------------------------------------------- text handling

# A snowball Stemmer keeps per-call state, so one shared across threads (Streamlit runs each
# session in a thread) crashes or returns another word's stem: one stemmer per thread.
_STEMMERS = threading.local()


def _stemmer() -> snowballstemmer.stemmer:
    st = getattr(_STEMMERS, "stemmer", None)
    if st is None:
        st = _STEMMERS.stemmer = snowballstemmer.stemmer("english")
    return st


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Lower-case, joined (no hyphen/apostrophe), Porter2-stemmed form of one token."""
    w = word.lower().translate(_JOINERS)
    if w.endswith("s") and word.endswith(("'s", "’s")):
        w = w[:-1]
    return _stemmer().stemWord(w) if w.isalpha() else w


_BOUNDARY_RE = re.compile(r"[\n.!?;]")


def tokenize(text: str) -> list[tuple[str, int, int, int, int]]:
    """``(raw token, start, end, line, segment)`` for every word of ``text``. A segment is a
    sentence or list clause: phrases must not match across ".", ";", "?", "!" or a line break."""
    out = []
    line = seg = 0
    prev_end = 0
    for m in _TOKEN_RE.finditer(text):
        s = m.start()
        if s > prev_end and _BOUNDARY_RE.search(text, prev_end, s):
            line += text.count("\n", prev_end, s)
            seg += 1
        prev_end = m.end()
        out.append((m.group(), s, prev_end, line, seg))
    return out


#: a page number: digits, or a lower-case Roman numeral as front matter is numbered ("xi", not
#: any word of those letters: "civil", "mix")
_PAGE_NUMBER = r"(?:\d{1,4}|(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))"
#: a table-of-contents line: an entry, then a page number after a tab or dot leaders
_CONTENTS_LINE = re.compile(
    r"^[^\n]*[^\s.…](?:[ \t]*(?:\t|(?:\.[ ]?){3,}|…+))[ \t]*" + _PAGE_NUMBER + r"[ \t]*$", re.M
)
_NOT_NEWLINE = re.compile(r"[^\n]")
#: consecutive such lines that make a table of contents
CONTENTS_RUN = 3


#: a contents line is at most this long
_MAX_CONTENTS_LINE = 160


def without_contents(
    text: str,
    titles: Container[str] = (),
    own: str = "",
    longest: int = _MAX_CONTENTS_LINE,
    start: int = 0,
) -> str:
    """``text`` with its tables of contents blanked out: runs of :data:`CONTENTS_RUN` or more
    lines that each name an entry and end in a page number after a tab or dot leaders
    ("Mandated reporting ........ 12"), or that each repeat one of the document's other
    section titles (``titles``, by :func:`title_key`; ``own`` is the section's own): a contents
    page of links without page numbers, a list of the sections that follow. The labeling
    standard says a table of contents is no evidence (every topic of the document is named in
    it). The lines are replaced by spaces of the same length, so every offset into ``text``
    still holds. ``longest``: no line longer than this repeats a title (the longest title's
    length and room for its number) unless it has leaders or a tab; ``start``: where the lines
    to compare begin (after the section's own title: :attr:`Section.body_start`)."""
    text = _without_paged_contents(text)
    return _without_listed_titles(text, titles, own, longest, start) if titles else text


def _without_listed_titles(
    text: str, titles: Container[str], own: str, longest: int, pos: int
) -> str:
    if text.count("\n", pos) < CONTENTS_RUN - 1:
        return text
    runs: list[tuple[int, int]] = []
    start = end = -1  # the current run's first line's start and last line's end
    n = 0  # its lines
    for line in text[pos:].split("\n"):
        nxt = pos + len(line) + 1
        # (a longer line may be one with leaders: "1. .......... MANDATED REPORTING")
        short = len(line) <= longest or (
            len(line) <= _MAX_CONTENTS_LINE
            and ("\t" in line or "..." in line or ". . ." in line or "…" in line)
        )
        key = title_key(line) if short else ""
        if key and key != own and key in titles:
            if not n:
                start = pos
            end, n = pos + len(line), n + 1
        else:
            if n >= CONTENTS_RUN:
                runs.append((start, end))
            n = 0
        pos = nxt
    if n >= CONTENTS_RUN:
        runs.append((start, end))
    for a, b in runs:
        text = text[:a] + _NOT_NEWLINE.sub(" ", text[a:b]) + text[b:]
    return text


def _without_paged_contents(text: str) -> str:
    if "\t" not in text and "..." not in text and ". . ." not in text and "…" not in text:
        return text  # (no leader or tab: the usual section, at the cost of four scans in C)
    spans = [m.span() for m in _CONTENTS_LINE.finditer(text)]
    if len(spans) < CONTENTS_RUN:
        return text
    runs: list[list[tuple[int, int]]] = [[spans[0]]]
    for a, b in spans[1:]:
        if text.count("\n", runs[-1][-1][1], a) == 1 and not text[runs[-1][-1][1] : a].strip():
            runs[-1].append((a, b))  # the next line
        else:
            runs.append([(a, b)])
    out = text
    for run in runs:
        if len(run) >= CONTENTS_RUN:
            a, b = run[0][0], run[-1][1]
            out = out[:a] + _NOT_NEWLINE.sub(" ", out[a:b]) + out[b:]
    return out


def split_words(text: str) -> tuple[list[str], list[int]]:
    """The raw tokens of ``text`` (exactly those of :func:`tokenize`) and each token's segment
    number. Several times faster than :func:`tokenize` on long documents: one split at the
    boundaries and one ``findall`` a segment, in C. Segment numbers differ from
    :func:`tokenize`'s but are equal exactly when those are; character offsets are not computed
    (the suggester finds them only for the evidence it shows)."""
    pieces = list(map(_TOKEN_RE.findall, _BOUNDARY_RE.split(text)))
    # flattened by C iterators, not a Python loop per word
    words = list(chain.from_iterable(pieces))
    segs = list(chain.from_iterable(map(repeat, count(), map(len, pieces))))
    return words, segs


def _is_stop(raw: str) -> bool:
    return raw.lower() in STOPWORDS


@dataclass(frozen=True)
class _Phrase:
    """One distinct token pattern (a phrase or one of its variants)."""

    stems: tuple[str, ...]
    contiguous: bool  # stopwords kept: match as an exact sequence ("the life")


def phrase_patterns(phrase: str) -> list[_Phrase]:
    """Token patterns for a phrase: its content stems, plus a variant with hyphenated words split
    ("self-care" also matches "self care"). Phrases that are mostly stopwords keep them and must
    match as an exact sequence."""
    variants = [(phrase, False)]
    if "-" in phrase:  # the spaced form must keep the order: "self care", "client centered"
        variants.append((phrase.replace("-", " "), True))
    out: list[_Phrase] = []
    for v, ordered in variants:
        toks = [t[0] for t in tokenize(v)]
        content = [stem(t) for t in toks if not _is_stop(t)]
        if ordered and len(toks) >= 2:
            p = _Phrase(tuple(stem(t) for t in toks), True)
        elif len(content) >= 2 or (len(content) == 1 and len(toks) == 1):
            p = _Phrase(tuple(content), False)
        elif toks:
            p = _Phrase(tuple(stem(t) for t in toks), True)
        else:
            continue
        if p not in out:
            out.append(p)
    return out


# --------------------------------------------------------------------------- compiled framework


@dataclass(frozen=True)
class _ItemPhrase:
    item: int  # index into Suggester.items
    strength: str
    phrase: str  # the framework's wording, for Evidence


class PhraseMatcher:
    """Scores sections against a framework's items by their match phrases. The calibrated
    :class:`review.engine.Suggester` builds on it: these scores are inputs of its model."""

    def __init__(self, framework: Framework, settings: MatchSettings | None = None):
        self.framework = framework
        self.settings = settings or MatchSettings()
        #: keep per-item phrase statistics on each scored section (for :mod:`review.engine`)
        self.collect_stats = False
        self.items: tuple[Item, ...] = framework.items
        self._index = {it.id: i for i, it in enumerate(self.items)}
        self._children: dict[int, list[int]] = {}
        for i, it in enumerate(self.items):
            if it.parent and it.parent in self._index:
                self._children.setdefault(self._index[it.parent], []).append(i)
        patterns: list[_Phrase] = []
        pattern_ids: dict[_Phrase, int] = {}
        owners: list[list[_ItemPhrase]] = []
        for i, it in enumerate(self.items):
            for strength, phrases in _graded_phrases(it):
                for phrase in phrases:
                    for pat in phrase_patterns(phrase):
                        pid = pattern_ids.get(pat)
                        if pid is None:
                            pid = pattern_ids[pat] = len(patterns)
                            patterns.append(pat)
                            owners.append([])
                        if not any(o.item == i for o in owners[pid]):
                            owners[pid].append(_ItemPhrase(i, strength, phrase))
        self._patterns = patterns
        self._owners = owners
        # phrase stem -> [(pattern id, bit)]
        by_stem: dict[str, list[tuple[int, int]]] = {}
        for pid, pat in enumerate(patterns):
            for j, s in enumerate(pat.stems):
                by_stem.setdefault(s, []).append((pid, 1 << j))
        self._by_stem = by_stem
        self._full_mask = [(1 << len(p.stems)) - 1 for p in patterns]
        self._plen = [len(p.stems) for p in patterns]
        self._contiguous = [p.contiguous for p in patterns]
        self._long_stems = sorted(s for s in by_stem if len(s) >= self.settings.fuzzy_min_len)
        self._fuzzy_cache: dict[str, tuple[tuple[str, float], ...]] = {}
        s = self.settings
        self._weights = {
            "strong": s.strong_weight,
            "normal": s.normal_weight,
            "weak": s.weak_weight,
        }
        self._statement_stems = _distinctive_statement_stems(self.items)
        # per pattern: (item, phrase, strength, weight) of its owners, looked up per hit
        self._owner_rows = [
            tuple(
                (
                    o.item,
                    o.phrase,
                    o.strength,
                    s.single_word_weight
                    if o.strength == "normal" and self._plen[pid] == 1
                    else self._weights[o.strength],
                )
                for o in owners[pid]
            )
            for pid in range(len(patterns))
        ]

    # ------------------------------------------------------------------ public API

    def suggest(
        self,
        sections: Sequence[Section],
        tier: str = "all",
        items: Sequence[str] | None = None,
    ) -> list[list[Suggestion]]:
        """One list per section, in order: suggestions at or above the threshold, best first
        (ties by competency id), at most ``top_k``."""
        allowed = self._allowed(tier, items)
        s = self.settings
        out: list[list[Suggestion]] = []
        for scored in self._score(sections, allowed):
            ranked = sorted(
                ((sc, i) for i, sc in scored.scores.items() if sc >= s.threshold),
                key=lambda x: (-round(x[0], 2), self.items[x[1]].id),
            )
            if ranked and s.relative_floor > 0:
                floor = ranked[0][0] * s.relative_floor
                ranked = [x for x in ranked if x[0] >= floor]
            out.append(
                [
                    Suggestion(self.items[i].id, round(sc, 2), scored.evidence(i))
                    for sc, i in ranked[: s.top_k]
                ]
            )
        return out

    def score_matrix(
        self, sections: Sequence[Section], items: Sequence[str] | None = None
    ) -> ScoreMatrix:
        """Every section × item score (0-100), thresholds not applied: near-misses for the UI."""
        allowed = self._allowed("all", items)
        ids = tuple(self.items[i].id for i in allowed)
        rows = []
        for scored in self._score(sections, allowed):
            rows.append(tuple(round(scored.scores.get(i, 0.0), 1) for i in allowed))
        return ScoreMatrix(ids, tuple(rows))

    def scored(self, sections: Sequence[Section], items: Sequence[str] | None = None):
        """Each section's raw phrase scores (item index -> 0-100, thresholds not applied) and,
        with ``collect_stats``, the phrase statistics the calibrated model reads."""
        return self._score(sections, self._allowed("all", items))

    # ------------------------------------------------------------------ internals

    def _allowed(self, tier: str, items: Sequence[str] | None) -> list[int]:
        if items is not None:
            unknown = [c for c in items if c not in self._index]
            if unknown:
                raise ValueError(f"unknown competency id(s): {', '.join(unknown)}")
            return sorted({self._index[c] for c in items})
        return [self._index[it.id] for it in self.framework.items_for_tier_option(tier)]

    def _fuzzy(self, vocab: Iterable[str]) -> dict[str, tuple[tuple[str, float], ...]]:
        """The phrase stems each long vocabulary stem may stand for (stems with none left out).

        The cache is shared by every thread using this suggester (Streamlit sessions are
        threads), so it is never seen half-filled: new entries are computed into a local dict and
        published with one ``dict.update``; when it grows too big it is replaced, not cleared.
        The caller uses the returned dict, not the cache, which another thread may replace."""
        s = self.settings
        cache = self._fuzzy_cache
        vocab = set(vocab)
        new = sorted(v for v in vocab if v not in cache)
        computed: dict[str, tuple[tuple[str, float], ...]] = dict.fromkeys(new, ())
        cand = [v for v in new if len(v) >= s.fuzzy_min_len and v.isalpha()]
        found: dict[str, list[tuple[str, float]]] = {}
        for start in range(0, len(cand) if self._long_stems else 0, 2048):
            block = cand[start : start + 2048]
            m = process.cdist(
                block,
                self._long_stems,
                scorer=fuzz.ratio,
                score_cutoff=s.fuzzy_cutoff,
                dtype=np.uint8,
                workers=-1,
            )
            rows, cols = np.nonzero(m)
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                v, p = block[r], self._long_stems[c]
                if v != p:
                    found.setdefault(v, []).append((p, float(m[r, c])))
        for v, lst in found.items():
            computed[v] = tuple(sorted(lst))
        if computed:
            if len(cache) + len(computed) > 500_000:  # bound memory in a long-lived process
                self._fuzzy_cache = computed
            else:
                cache.update(computed)
        out = {v: m for v, m in computed.items() if m}
        out.update((v, cache[v]) for v in vocab if v not in computed and cache[v])
        return out

    def _score(self, sections: Sequence[Section], allowed: list[int]) -> Iterator[_Scored]:
        allowed_set = set(allowed)
        owners = self._owner_table(allowed_set)
        # every section's words and segments; the document's vocabulary is stemmed once
        own = [title_key(sec.title) if sec.title else "" for sec in sections]
        keys = set(own)
        keys.discard("")
        longest = min(_MAX_CONTENTS_LINE, max(map(len, keys), default=0) + 16)
        texts = [
            without_contents(sec.full_text, keys, key, longest, sec.body_start)
            for sec, key in zip(sections, own, strict=True)
        ]
        split = [split_words(t) for t in texts]
        raw: set[str] = set()
        for words, _ in split:
            raw.update(words)
        stem_of = {w: stem(w) for w in raw}
        vocab = set(stem_of.values())
        fan, single, tokq = self._vocabulary_patterns(vocab, self._fuzzy(vocab))
        anchors, fills, tracked = self._sequence_anchors(fan, single, tokq)
        pairs = self._pairs(tokq)
        # raw token -> stem, only for tokens tracked per section: generic words (and the "the" of
        # "the life", see _sequence_anchors) are skipped by a C-level membership test
        relevant = {w: st for w, st in stem_of.items() if st in fills or st in single}
        stop = {w for w in raw if w.lower() in STOPWORDS}
        # Sections go through in chunks and results are yielded one by one: the per-section
        # objects (occurrence lists, hits, scores) then die young instead of piling up, and the
        # cyclic garbage collector's full passes over the whole heap (which their number
        # triggers) stay rare. Chunks are long enough to keep the numpy pass worth it.
        # the stems that fill multi-word pattern tokens, numbered; each raw word's number
        fill_stems = sorted(fills)
        sid = {st: k for k, st in enumerate(fill_stems)}
        fill_word = {w: sid[st] for w, st in relevant.items() if st in sid}
        fill_words = frozenset(fill_word)
        # the pattern token slots each stem fills, flattened: (count, slots, first index)
        lens = np.array([len(fills[st]) for st in fill_stems], dtype=np.int64)
        flat = np.array([x for st in fill_stems for x in fills[st]], dtype=np.int64)
        fill_slots = (lens, flat, np.concatenate(([0], np.cumsum(lens)))[:-1])
        for lo in range(0, len(sections), _CHUNK):
            part = split[lo : lo + _CHUNK]
            # which filling stems each section has (a set intersection in C; repeats are fine)
            present = [
                list(map(fill_word.__getitem__, fill_words.intersection(words)))
                for words, _ in part
            ]
            completes = self._complete_patterns(present, fill_slots, tracked)
            for sec, text, (words, segs), complete in zip(
                sections[lo : lo + _CHUNK], texts[lo : lo + _CHUNK], part, completes, strict=True
            ):
                occ = _occurrences(words, relevant)
                n_content = len(words) - sum(map(stop.__contains__, words))
                n_title = len(_TOKEN_RE.findall(sec.title)) if sec.title else 0
                by_pat = self._hits(
                    words, segs, n_title, occ, complete, stop, single, tokq, anchors, pairs, stem_of
                )
                scored = self._rank(text, words, by_pat, n_content, n_title, owners, allowed_set)
                if self.collect_stats:
                    scored.segs = segs
                yield scored

    def _sequence_anchors(
        self, fan: dict[str, frozenset[tuple[int, int]]], single: dict, tokq: dict
    ) -> tuple[dict[int, int], dict[str, list[int]], list[int]]:
        """Which pattern tokens are tracked per section.

        Stems that serve only exact sequences ("the" of "the life", "first" of "first
        responder") are among the commonest words of any text; tracking every "the" cost more
        than all the rest. They are left *untracked*: a sequence is found from the positions of
        one of its tracked tokens (its *anchor*) and its other words are read off the section's
        words. A sequence with no token to anchor on has its stems tracked after all.

        Returns the anchor token of each sequence; per tracked stem, the pattern tokens it fills
        for :meth:`_complete_patterns` (as slots ``pattern * width + token``; the untracked
        tokens of a sequence are left out, they are checked at its anchor); and per pattern, the
        number of its tracked tokens."""
        contig = self._contiguous
        untracked = {
            v for v, ps in fan.items() if v not in single and all(contig[pid] for pid, _ in ps)
        }
        sequences = sorted(pid for pid in tokq if contig[pid])
        for pid in sequences:  # a sequence with no tracked token has them all tracked
            if not any(untracked.isdisjoint(d) for d in tokq[pid]):
                untracked.difference_update(*tokq[pid])
        anchors: dict[int, int] = {}
        tracked = list(self._plen)
        for pid in sequences:  # (tracking more stems above only ever freed more tokens)
            free = [j for j, d in enumerate(tokq[pid]) if untracked.isdisjoint(d)]
            anchors[pid] = free[0]
            tracked[pid] = len(free)
        width = max(self._plen, default=1)
        fills: dict[str, list[int]] = {}
        for v, ps in fan.items():
            if v in untracked:
                continue
            fills[v] = sorted(
                pid * width + bit.bit_length() - 1
                for pid, bit in ps
                if not contig[pid] or untracked.isdisjoint(tokq[pid][bit.bit_length() - 1])
            )
        return anchors, fills, tracked

    def _complete_patterns(
        self, present: list[list[int]], fill_slots: tuple[np.ndarray, ...], tracked: list[int]
    ) -> list[list[int]]:
        """Per section, the multi-word patterns every token of which occurs in it, sorted.

        One vectorised pass over a chunk of sections instead of set unions per section: the
        (section, pattern token) pairs the present stems fill are expanded, de-duplicated (a
        token may be filled by several stems: exact and fuzzy) and counted per (section,
        pattern) with numpy; a pattern is complete when the count is its number of tracked
        tokens (a sequence's untracked words are checked later, at its anchor)."""
        plen = self._plen
        width = max(plen, default=1)  # pattern token j of pattern p is slot p * width + j
        n_slots = len(plen) * width
        required = np.array(tracked, dtype=np.int64)
        lens, flat, first = fill_slots
        per_sec = np.array([len(p) for p in present], dtype=np.int64)
        stem_arr = np.array([k for p in present for k in p], dtype=np.int64)
        out: list[list[int]] = [[] for _ in present]
        if not len(stem_arr):
            return out
        sec_arr = np.repeat(np.arange(len(present), dtype=np.int64), per_sec)
        c = lens[stem_arr]
        total = int(c.sum())
        within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(c) - c, c)
        slot = flat[np.repeat(first[stem_arr], c) + within]
        key = np.sort(np.repeat(sec_arr, c) * n_slots + slot)  # by section, pattern, token
        key = key[np.concatenate(([True], key[1:] != key[:-1]))]  # (np.unique hashes: slower)
        sp = (key // n_slots) * len(plen) + (key % n_slots) // width  # section * n + pattern
        starts = np.flatnonzero(np.concatenate(([True], sp[1:] != sp[:-1])))
        counts = np.diff(np.concatenate((starts, [len(sp)])))
        sp = sp[starts]
        done = sp[counts == required[sp % len(plen)]]
        for s, pid in zip((done // len(plen)).tolist(), (done % len(plen)).tolist(), strict=True):
            out[s].append(pid)
        return out

    def _vocabulary_patterns(
        self, vocab: set[str], fuzzy: dict[str, tuple[tuple[str, float], ...]]
    ) -> tuple[dict, dict, dict]:
        """Per vocabulary stem: the multi-word patterns (and token bits) it serves, and the
        one-word patterns it hits; per pattern token: the vocabulary stems standing for it, with
        quality. Built once a document, so the per-section work only looks things up."""
        fan: dict[str, frozenset[tuple[int, int]]] = {}
        single: dict[str, tuple[tuple[int, float], ...]] = {}
        tokq: dict[int, list[dict[str, float]]] = {}
        full = self._full_mask
        for v in sorted(vocab):
            entries = [(pid, bit, 100.0) for pid, bit in self._by_stem.get(v, ())]
            for p, q in fuzzy.get(v, ()):
                entries.extend((pid, bit, q) for pid, bit in self._by_stem[p])
            if not entries:
                continue
            multi = frozenset((pid, bit) for pid, bit, _ in entries if full[pid] != 1)
            one = tuple((pid, q) for pid, bit, q in entries if full[pid] == 1)
            if multi:
                fan[v] = multi
            if one:
                single[v] = one
            for pid, bit, q in entries:
                if full[pid] != 1:
                    slots = tokq.setdefault(pid, [{} for _ in self._patterns[pid].stems])
                    d = slots[bit.bit_length() - 1]
                    d[v] = max(q, d.get(v, 0.0))
        return fan, single, tokq

    def _hits(
        self, words, segs, n_title, occ, complete, stop, single, tokq, anchors, pairs, stem_of
    ) -> dict[int, list[tuple]]:
        """Every pattern hit in one section, by pattern: ``(pattern, first token, last token,
        quality, in title)``, at most ``max_evidence`` a pattern and stem, minus hits nested in a
        longer one; each pattern's hits in the order :meth:`_rank` has always read them.
        ``occ``: positions of each pattern stem; ``complete``: the multi-word patterns whose
        tokens all occur (:meth:`_complete_patterns`)."""
        if not occ:
            return {}
        singles = _single_hits(occ, single, n_title, self.settings.max_evidence)
        multi = self._multi_hits(
            words, segs, n_title, occ, complete, stop, tokq, anchors, pairs, stem_of
        )
        if not multi:
            return singles
        # drop hits nested inside a hit of a longer pattern. Every multi-word hit spans two tokens
        # or more and every one-word hit one, so a one-word hit goes exactly when a multi-word
        # hit covers its token; multi-word hits are compared with each other.
        covered: set[int] = set()
        for k in multi:
            covered.update(range(k[1], k[2] + 1))
        by_pat: dict[int, list[tuple]] = {}
        for pid, lst in singles.items():
            if covered.isdisjoint(map(_FIRST, lst)):
                by_pat[pid] = lst
            else:
                kept = [h for h in lst if h[1] not in covered]
                if kept:
                    by_pat[pid] = kept
        for h in _outermost(multi, self._plen):
            if h[0] in by_pat:
                by_pat[h[0]].append(h)
            else:
                by_pat[h[0]] = [h]
        return by_pat

    def _pairs(self, tokq: dict[int, list[dict[str, float]]]) -> dict[int, tuple[str, str, float]]:
        """The usual multi-word pattern: two words in any order, each stood for by one stem of
        the document. Per such pattern its two stems and the quality of its hits, looked up
        once a document instead of once a section."""
        out = {}
        for pid, slots in tokq.items():
            if (
                not self._contiguous[pid]
                and len(slots) == 2
                and len(slots[0]) == len(slots[1]) == 1
            ):
                ((s0, q0),) = slots[0].items()
                ((s1, q1),) = slots[1].items()
                out[pid] = (s0, s1, min(q0, q1))
        return out

    def _multi_hits(
        self, words, segs, n_title, occ, complete, stop, tokq, anchors, pairs, stem_of
    ) -> list[tuple]:
        """The hits of the complete multi-word patterns, pattern by pattern."""
        multi: list[tuple] = []
        if not complete:
            return multi
        max_gap = self.settings.max_gap
        cap = self.settings.max_evidence
        contig = self._contiguous
        # stopwords before each token: token i is preceded by i - sb[i] content words
        sb = list(accumulate(map(stop.__contains__, words), initial=0))
        window = 1 + max_gap
        for pid in complete:
            pair = pairs.get(pid)
            if pair is not None:
                s0, s1, q = pair
                multi.extend(_pair_hits(pid, occ[s0], occ[s1], q, segs, sb, window, n_title, cap))
                continue
            slots = tokq[pid]
            if contig[pid]:
                j = anchors[pid]
                at = _positions(slots[j], occ)
                multi.extend(_sequence_hits(pid, slots, j, at, words, stem_of, segs, n_title, cap))
            else:
                # positions (and quality) of each pattern token, in document order
                pos = [_positions(d, occ) for d in slots]
                qual = [
                    {i: d[stem_of[words[i]]] for i in p} for d, p in zip(slots, pos, strict=True)
                ]
                multi.extend(
                    _window_hits(pid, pos, qual, segs, sb, len(slots) - 1 + max_gap, n_title, cap)
                )
        return multi

    def _owner_table(self, allowed: set[int]) -> list[tuple[tuple, ...]]:
        """Per pattern, the owners :meth:`_rank` scores (allowed items and parents), each as
        ``(item, phrase, strength, weight, shared)``; ``shared`` when another pattern is a variant
        of the same phrase of the same item ("self-care", "self care"), whose hits then merge.
        Built once a document, so a section does not filter or compare owners itself."""
        children = self._children
        rows = [
            tuple(r for r in self._owner_rows[pid] if r[0] in allowed or r[0] in children)
            for pid in range(len(self._patterns))
        ]
        seen: dict[tuple[int, str], int] = {}
        for pid_rows in rows:
            for item, phrase, _strength, _w in pid_rows:
                seen[(item, phrase)] = seen.get((item, phrase), 0) + 1
        return [tuple((*r, seen[(r[0], r[1])] > 1) for r in pid_rows) for pid_rows in rows]

    def _rank(
        self,
        text: str,
        words: list[str],
        by_pat: dict[int, list[tuple]],
        n_content: int,
        n_title: int,
        owners: list[tuple[tuple, ...]],
        allowed: set[int],
    ) -> _Scored:
        """One section's item scores, evidence picks and (with ``collect_stats``) statistics,
        from its hits by pattern (:meth:`_hits`) and the document's :meth:`_owner_table`.
        Parents are scored even when not allowed (as umbrellas), then left out."""
        per_item = _candidates(by_pat, owners)
        stats = _item_stats(per_item, n_title) if self.collect_stats else None
        scores, chosen = self._item_scores(words, per_item, n_content)
        if not allowed.issuperset(scores):
            scores = {i: sc for i, sc in scores.items() if i in allowed}
        out = _Scored(text, words, scores, chosen)
        out.stats = stats
        return out

    def _item_scores(
        self, words: list[str], per_item: dict[int, list[tuple]], n_content: int
    ) -> tuple[dict[int, float], dict[int, list[tuple[str, list[tuple]]]]]:
        """Each item's score (0-100) and the hits picked as its evidence; umbrella items
        (parents) from their children's scores."""
        s = self.settings
        damp = 1.0 + s.length_damping * max(0.0, math.log2(max(n_content, 1) / s.length_pivot))
        present = None  # the section's stems, for statement words (computed once, when asked)
        scores: dict[int, float] = {}
        chosen: dict[int, list[tuple[str, list[tuple]]]] = {}
        for item, cands in per_item.items():
            if all(c[2] == "weak" for c in cands):
                continue  # weak words alone never make a score
            total, strong_max, picked, company = self._evidence_total(cands)
            if s.statement_weight and self._statement_stems[item]:
                if present is None:
                    present = {stem(w) for w in words}
                st = self._statement_stems[item]
                total += s.statement_weight * len(st & present) / len(st)
            e = max(strong_max, total / damp) if company else 0.0
            if e > 0:
                scores[item] = 100.0 * (1.0 - math.exp(-e))
                chosen[item] = picked
        self._umbrellas(scores, chosen)
        return scores, chosen

    def _evidence_total(self, cands: list[tuple]) -> tuple[float, float, list, bool]:
        """An item's evidence from its candidate phrases ``(weight, phrase, strength, hits)``
        (one of them strong or ordinary): overlapping hits count once, the stronger phrase
        first, then the better hit (exact before fuzzy), then the longer phrase. Returns the
        total, the best strong contribution, the ``(phrase, hits)`` picked and whether a strong
        or ordinary hit counted (weak words only add to one)."""
        s = self.settings
        if len(cands) > 1:
            cands.sort(key=_CANDIDATE_ORDER)
        taken: set[int] = set()
        total = strong_max = weak_total = 0.0
        company = False
        picked = []
        last = len(cands) - 1
        for n, (w, ph, strength, lst) in enumerate(cands):
            if taken:  # (a one-token hit needs one look-up)
                free = [
                    h
                    for h in lst
                    if h[1] not in taken
                    and (h[1] == h[2] or taken.isdisjoint(range(h[1] + 1, h[2] + 1)))
                ]
                if not free:
                    continue
            else:
                free = lst
            q, in_title = _best_hit(free)
            contrib = w * (q / 100.0) ** 2 * (s.title_boost if in_title else 1.0)
            contrib += s.repeat_bonus * w * min(len(free) - 1, s.max_repeats)
            if strength == "weak":
                contrib = min(contrib, max(0.0, s.weak_cap - weak_total))
                weak_total += contrib
            else:
                company = True
                if strength == "strong":
                    strong_max = max(strong_max, contrib)
            total += contrib
            if n < last:  # (only later candidates read what is taken)
                taken.update(map(_FIRST, free))
                for h in free:
                    if h[2] > h[1]:
                        taken.update(range(h[1] + 1, h[2] + 1))
            picked.append((ph, free))
        return total, strong_max, picked, company

    def _umbrellas(self, scores: dict[int, float], chosen: dict[int, list]) -> None:
        """Parent items suggested when enough of their children are: their score the mean of
        the best ``parent_min_children`` children's, their evidence the children's."""
        s = self.settings
        for parent, kids in self._children.items():
            if len(scores) < s.parent_min_children:
                break
            kid_scores = [scores[k] for k in kids if scores.get(k, 0.0) >= s.threshold]
            if len(kid_scores) >= s.parent_min_children:
                kid_scores.sort(reverse=True)
                derived = sum(kid_scores[: s.parent_min_children]) / s.parent_min_children
                if derived > scores.get(parent, 0.0):
                    scores[parent] = derived
                    chosen[parent] = [p for k in kids if k in chosen for p in chosen[k]]


#: hit tuples: (pattern, first token, last token, quality, in title)
_FIRST = itemgetter(1)
_QUALITY = itemgetter(3)
_IN_TITLE = itemgetter(4)


def _single_hits(
    occ: dict[str, list[int]], single: dict, n_title: int, cap: int
) -> dict[int, list[tuple]]:
    """The one-word patterns' hits by pattern: each standing stem's first ``cap`` positions.
    Only the stems with one-word patterns are visited (a set intersection in C); the order of a
    pattern's hits does not matter (:meth:`PhraseMatcher._rank` reads them as a set: the best
    one by its own key, the count, the tokens)."""
    by_pat: dict[int, list[tuple]] = {}
    for st in single.keys() & occ.keys():
        ps = occ[st]
        if len(ps) > cap:
            ps = ps[:cap]
        for pid, q in single[st]:
            new = [(pid, i, i, q, i < n_title) for i in ps]
            if pid in by_pat:
                by_pat[pid].extend(new)
            else:
                by_pat[pid] = new
    return by_pat


def _outermost(multi: list[tuple], plen: list[int]) -> list[tuple]:
    """The multi-word hits not nested in a hit of a longer pattern, by first token."""
    multi.sort(key=_FIRST)
    starts = [h[1] for h in multi]
    max_span = max(h[2] - h[1] for h in multi)
    kept = []
    for h in multi:
        lo = bisect_left(starts, h[1] - max_span)
        hi = bisect_right(starts, h[1])
        if any(k[2] >= h[2] and plen[k[0]] > plen[h[0]] for k in multi[lo:hi]):
            continue
        kept.append(h)
    return kept


def _candidates(
    by_pat: dict[int, list[tuple]], owners: list[tuple[tuple, ...]]
) -> dict[int, list[tuple]]:
    """Per item, its candidate phrases ``(weight, phrase, strength, hits)``, items in order of
    their first pattern (patterns by id). A phrase's variants merge their hits; the others share
    the pattern's list (nothing later changes a hit list)."""
    per_item: dict[int, list[tuple]] = {}
    merged: dict[tuple[int, str], list[tuple]] = {}
    for pid in sorted(by_pat):
        hits = by_pat[pid]
        for item, phrase, strength, w, shared in owners[pid]:
            if shared:
                key = (item, phrase)
                if key in merged:
                    merged[key].extend(hits)
                    continue
                lst = merged[key] = list(hits)
            else:
                lst = hits
            if item in per_item:
                per_item[item].append((w, phrase, strength, lst))
            else:
                per_item[item] = [(w, phrase, strength, lst)]
    return per_item


#: a candidate's strength -> its counter in an item's statistics row
_STRENGTH_SLOT = {"strong": 0, "normal": 1, "weak": 2}


def _item_stats(per_item: dict[int, list[tuple]], n_title: int) -> dict[int, list]:
    """The calibrated model's inputs per item (weak-only items included): ``[distinct strong,
    ordinary, weak phrases, a strong or ordinary hit in the title, first tokens of the hits]``."""
    stats: dict[int, list] = {}
    slot = _STRENGTH_SLOT
    for item, cands in per_item.items():
        row = [0, 0, 0, False, None]
        if len(cands) == 1:  # the usual case
            _w, _ph, strength, lst = cands[0]
            row[slot[strength]] = 1
            if n_title and strength != "weak":
                row[3] = any(map(_IN_TITLE, lst))
            row[4] = set(map(_FIRST, lst))
        else:
            toks: set[int] = set()
            for _w, _ph, strength, lst in cands:
                row[slot[strength]] += 1
                if n_title and strength != "weak" and not row[3]:
                    row[3] = any(map(_IN_TITLE, lst))
                toks.update(map(_FIRST, lst))
            row[4] = toks
        stats[item] = row
    return stats


def _best_hit(hits: list[tuple]) -> tuple[float, bool]:
    """Quality and title flag of the best of a phrase's hits (one in the title first, then the
    exact before the fuzzy; which of equals comes first does not matter): all a score reads of
    it, found without a sort key per hit."""
    if len(hits) == 1:
        return hits[0][3], hits[0][4]
    if any(map(_IN_TITLE, hits)):
        return max(h[3] for h in hits if h[4]), True
    return max(map(_QUALITY, hits)), False


def _CANDIDATE_ORDER(c: tuple) -> tuple:  # noqa: N802 - a sort key, like itemgetter
    """An item's candidate phrases ``(weight, phrase, strength, hits)``: the heaviest first, then
    the best hit (exact before fuzzy), then the longer phrase, then by wording."""
    return (-c[0], -max(map(_QUALITY, c[3])), -len(c[1]), c[1])


def _occurrences(words: list[str], relevant: dict[str, str]) -> dict[str, list[int]]:
    """Positions of each pattern stem in a section, in order of first occurrence. Words no pattern
    can use are skipped by a membership test in C."""
    occ: dict[str, list[int]] = {}
    for i in compress(count(), map(relevant.__contains__, words)):
        st = relevant[words[i]]
        if st in occ:
            occ[st].append(i)
        else:
            occ[st] = [i]
    return occ


def _positions(d: dict[str, float], occ: dict[str, list[int]]) -> list[int]:
    """Sorted positions of the stems standing for one pattern token."""
    if len(d) == 1:  # one stem (the usual case): its list, already in order
        return occ.get(next(iter(d)), [])
    return sorted(i for st in d for i in occ.get(st, ()))


def _sequence_hits(pid, slots, anchor, at, words, stem_of, segs, n_title, cap) -> list[tuple]:
    """Hits of a pattern that must match as an exact sequence of tokens in one segment, found
    from the positions ``at`` of its token number ``anchor``; the other tokens are read off
    ``words`` (some of them are not tracked, see :meth:`Suggester._sequence_anchors`)."""
    n = len(slots)
    last = len(words) - n
    out = []
    for p in at:
        i = p - anchor
        if i < 0 or i > last:
            continue
        seg = segs[i]
        qs = []
        for j, d in enumerate(slots):
            q = d.get(stem_of[words[i + j]])
            if q is None or segs[i + j] != seg:
                break
            qs.append(q)
        else:
            out.append((pid, i, i + n - 1, min(qs), i < n_title))
            if len(out) >= cap:
                break
    return out


def _pair_hits(pid, p0, p1, q, segs, sb, window, n_title, cap) -> list[tuple]:
    """:func:`_window_hits` for a two-word pattern whose words are each stood for by one stem
    (so every hit has quality ``q``): the same choices, without the general bookkeeping."""
    if len(p0) == len(p1) == 1:  # each word once in the section (the commonest case)
        a, b = p0[0], p1[0]
        if a == b or segs[a] != segs[b] or abs((a - sb[a]) - (b - sb[b])) > window:
            return []
        lo, hi = (a, b) if a < b else (b, a)
        return [(pid, lo, hi, q, lo < n_title)]
    anchors, others = (p1, p0) if len(p1) < len(p0) else (p0, p1)
    keys = [i - sb[i] for i in others]
    out = []
    last_end = -1
    for a in anchors:
        if a <= last_end:
            continue
        ca = a - sb[a]
        seg = segs[a]
        best = -1
        best_d = window + 1
        for k in range(bisect_left(keys, ca - window), bisect_right(keys, ca + window)):
            i = others[k]
            d = abs(keys[k] - ca)
            if d < best_d and segs[i] == seg and i != a:
                best, best_d = i, d
        if best < 0:
            continue
        lo, hi = (a, best) if a < best else (best, a)
        out.append((pid, lo, hi, q, lo < n_title))
        last_end = hi
        if len(out) >= cap:
            break
    return out


def _window_hits(pid, pos, qual, segs, sb, window, n_title, cap) -> list[tuple]:
    """Hits of a pattern whose tokens may come in any order within ``window`` content words of
    one segment. The rarest token anchors; each other token takes its nearest free occurrence
    (the first one on a tie); a hit starts after the end of the previous one."""
    n = len(pos)
    anchor = min(range(n), key=lambda j: len(pos[j]))
    # content words before each occurrence: the distance that counts (stopwords are free)
    keys = [[i - sb[i] for i in p] for p in pos]
    others = [j for j in range(n) if j != anchor]
    out = []
    last_end = -1
    for a, ca in zip(pos[anchor], keys[anchor], strict=True):
        if a <= last_end:
            continue
        seg = segs[a]
        used = [a]
        for j in others:
            pj, kj = pos[j], keys[j]
            best = -1
            best_d = window + 1
            for k in range(bisect_left(kj, ca - window), bisect_right(kj, ca + window)):
                i = pj[k]
                d = abs(kj[k] - ca)
                if d < best_d and segs[i] == seg and i not in used:
                    best, best_d = i, d
            if best < 0:
                break
            used.append(best)
        else:
            lo, hi = min(used), max(used)
            if (hi - sb[hi]) - (lo - sb[lo]) <= window:
                q = min(
                    qual[anchor][a], *(qual[j][i] for j, i in zip(others, used[1:], strict=True))
                )
                out.append((pid, lo, hi, q, lo < n_title))
                last_end = hi
                if len(out) >= cap:
                    break
    return out


@dataclass
class _Scored:
    """One section's item scores; evidence is built only for the suggestions shown (and the
    character offsets of tokens are found only then, only as far as the last token needed)."""

    text: str
    words: list[str]
    scores: dict[int, float]
    chosen: dict[int, list[tuple[str, list[tuple]]]]
    _starts: list[int] = field(default_factory=list)
    #: per item index ``[strong, ordinary, weak distinct phrases, title hit, hit token indices]``
    #: when the suggester collects statistics for a calibrated model (:mod:`review.engine`)
    stats: dict[int, list] | None = None
    #: each token's segment number (:func:`split_words`), with the statistics
    segs: list[int] | None = None

    def _offsets(self, last: int) -> list[int]:
        """Start offsets of tokens ``0..last`` in ``text``. Between two tokens there is no ASCII
        letter or digit, so each token is the first occurrence of its word after the previous
        one: the same offsets as ``_TOKEN_RE.finditer``, without a match object per token."""
        starts = self._starts
        if len(starts) <= last:
            find = self.text.find
            pos = starts[-1] + len(self.words[len(starts) - 1]) if starts else 0
            for w in self.words[len(starts) : last + 1]:
                pos = find(w, pos)
                starts.append(pos)
                pos += len(w)
        return starts

    def evidence(self, item: int) -> tuple[Evidence, ...]:
        picked = self.chosen.get(item, ())
        if not picked:
            return ()
        starts = self._offsets(max(h[2] for _, hits in picked for h in hits))
        words = self.words
        spans: dict[tuple[int, int, str], float] = {}
        for phrase, hits in picked:
            for h in hits:
                key = (starts[h[1]], starts[h[2]] + len(words[h[2]]), phrase)
                spans[key] = max(h[3], spans.get(key, 0.0))
        return tuple(
            Evidence(phrase, self.text[a:b], a, b, round(q, 1))
            for (a, b, phrase), q in sorted(spans.items())
        )


@dataclass(frozen=True)
class ScoreMatrix:
    """Section × item scores: ``scores[s][i]`` for section ``s`` and ``item_ids[i]``."""

    item_ids: tuple[str, ...]
    scores: tuple[tuple[float, ...], ...]


def _graded_phrases(item: Item) -> list[tuple[str, tuple[str, ...]]]:
    """The item's phrases by strength. A framework with plain phrase lists only (a CSV import) is
    graded by length: three or more content words are strong, two ordinary, one weak."""
    if item.strong_phrases or item.weak_phrases:
        return [
            ("strong", item.strong_phrases),
            ("normal", item.phrases),
            ("weak", item.weak_phrases),
        ]
    graded: dict[str, list[str]] = {"strong": [], "normal": [], "weak": []}
    for p in item.phrases:
        n = len([t for t in tokenize(p) if not _is_stop(t[0])])
        graded["strong" if n >= 3 else "normal" if n == 2 else "weak"].append(p)
    return [(k, tuple(v)) for k, v in graded.items()]


def _distinctive_statement_stems(items: Sequence[Item]) -> list[frozenset[str]]:
    """Per item, the statement's content stems that appear in fewer than a fifth of all statements
    ("polyvictimization", not "working knowledge of youth")."""
    per = [
        frozenset(
            stem(t[0]) for t in tokenize(it.statement) if not _is_stop(t[0]) and len(t[0]) > 2
        )
        for it in items
    ]
    df: dict[str, int] = {}
    for st in per:
        for w in st:
            df[w] = df.get(w, 0) + 1
    limit = max(2, len(items) // 5)
    return [frozenset(w for w in st if df[w] < limit) for st in per]


def highlight_spans(text: str, evidence: Sequence[Evidence]) -> list[tuple[int, int]]:
    """Merged, sorted ``(start, end)`` character spans of the evidence, clipped to ``text``."""
    spans = sorted(
        (max(0, e.start), min(len(text), e.end))
        for e in evidence
        if e.end > e.start and e.start < len(text)
    )
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged
