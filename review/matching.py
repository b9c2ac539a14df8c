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
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import snowballstemmer
from rapidfuzz import fuzz, process

from review.framework import Framework, Item
from review.models import Evidence, Section, Suggestion

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
    #: a parent item (C6) is suggested as umbrella when this many of its children are
    parent_min_children: int = 3


# --------------------------------------------------------------------------- text handling

_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Lower-case, joined (no hyphen/apostrophe), Porter2-stemmed form of one token."""
    w = word.lower().translate(_JOINERS)
    if w.endswith("s") and word.endswith(("'s", "’s")):
        w = w[:-1]
    return _STEMMER.stemWord(w) if w.isalpha() else w


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


@dataclass
class _Hit:
    pattern: int
    first: int  # token index range, inclusive
    last: int
    quality: float  # 0-100
    in_title: bool
    start: int = 0  # character offsets in Section.full_text
    end: int = 0


class Suggester:
    """Scores sections against a framework's items and returns ranked suggestions."""

    def __init__(self, framework: Framework, settings: MatchSettings | None = None):
        self.framework = framework
        self.settings = settings or MatchSettings()
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
        self._long_stems = sorted(s for s in by_stem if len(s) >= self.settings.fuzzy_min_len)
        self._fuzzy_cache: dict[str, tuple[tuple[str, float], ...]] = {}
        s = self.settings
        self._weights = {
            "strong": s.strong_weight,
            "normal": s.normal_weight,
            "weak": s.weak_weight,
        }
        self._statement_stems = _distinctive_statement_stems(self.items)

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
                (g for g in scored if g.score >= s.threshold),
                key=lambda g: (-g.score, g.competency),
            )
            if ranked and s.relative_floor > 0:
                floor = ranked[0].score * s.relative_floor
                ranked = [g for g in ranked if g.score >= floor]
            out.append(ranked[: s.top_k])
        return out

    def score_matrix(
        self, sections: Sequence[Section], items: Sequence[str] | None = None
    ) -> ScoreMatrix:
        """Every section × item score (0-100), thresholds not applied: near-misses for the UI."""
        allowed = self._allowed("all", items)
        ids = tuple(self.items[i].id for i in allowed)
        rows = []
        for scored in self._score(sections, allowed):
            by_id = {g.competency: g.score for g in scored}
            rows.append(tuple(round(by_id.get(c, 0.0), 1) for c in ids))
        return ScoreMatrix(ids, tuple(rows))

    # ------------------------------------------------------------------ internals

    def _weight(self, hit: tuple[_Hit, str, str]) -> float:
        strength = hit[2]
        if strength == "normal" and len(self._patterns[hit[0].pattern].stems) == 1:
            return self.settings.single_word_weight
        return self._weights[strength]

    def _allowed(self, tier: str, items: Sequence[str] | None) -> list[int]:
        if items is not None:
            unknown = [c for c in items if c not in self._index]
            if unknown:
                raise ValueError(f"unknown competency id(s): {', '.join(unknown)}")
            return sorted({self._index[c] for c in items})
        return [self._index[it.id] for it in self.framework.items_for_tier_option(tier)]

    def _fuzzy(self, vocab: Iterable[str]) -> None:
        """Fill the cache: for each new long vocabulary stem, the phrase stems it may stand for."""
        s = self.settings
        new = sorted({v for v in vocab if v not in self._fuzzy_cache})
        if not new:
            return
        for v in new:
            self._fuzzy_cache[v] = ()
        cand = [v for v in new if len(v) >= s.fuzzy_min_len and v.isalpha()]
        if not cand or not self._long_stems:
            return
        found: dict[str, list[tuple[str, float]]] = {}
        for start in range(0, len(cand), 2048):
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
            self._fuzzy_cache[v] = tuple(sorted(lst))
        if len(self._fuzzy_cache) > 500_000:  # bound memory for a long-lived app process
            self._fuzzy_cache.clear()

    def _score(self, sections: Sequence[Section], allowed: list[int]) -> list[list[Suggestion]]:
        allowed_set = set(allowed)
        docs = []
        vocab: set[str] = set()
        for sec in sections:
            toks = tokenize(sec.full_text)
            stems = [stem(t[0]) for t in toks]
            vocab.update(stems)
            docs.append((sec, toks, stems))
        self._fuzzy(vocab)
        # vocabulary stem -> [(pattern, bit, quality)]
        fan: dict[str, list[tuple[int, int, float]]] = {}
        for v in sorted(vocab):
            entries = [(pid, bit, 100.0) for pid, bit in self._by_stem.get(v, ())]
            for p, q in self._fuzzy_cache.get(v, ()):
                entries.extend((pid, bit, q) for pid, bit in self._by_stem[p])
            if entries:
                fan[v] = entries
        results = []
        for sec, toks, stems in docs:
            hits = self._hits(sec, toks, stems, fan)
            n_content = sum(1 for t in toks if not _is_stop(t[0]))
            results.append(self._rank(hits, n_content, set(stems), allowed_set))
        return results

    def _hits(self, sec: Section, toks, stems: list[str], fan) -> list[tuple[_Hit, str]]:
        """Every phrase-pattern hit in one section, minus hits nested in a longer one."""
        s = self.settings
        occ: dict[str, list[int]] = {}
        for i, st in enumerate(stems):
            if st in fan:
                occ.setdefault(st, []).append(i)
        if not occ:
            return []
        masks: dict[int, int] = {}
        qual: dict[tuple[int, int], dict[str, float]] = {}
        for st in occ:
            for pid, bit, q in fan[st]:
                masks[pid] = masks.get(pid, 0) | bit
                qual.setdefault((pid, bit), {})[st] = q
        cpos = []
        c = 0
        for t in toks:
            cpos.append(c)
            if not _is_stop(t[0]):
                c += 1
        title_lines = sec.title.count("\n") + 1 if sec.title else 0
        hits: list[_Hit] = []
        for pid in sorted(masks):
            if masks[pid] != self._full_mask[pid]:
                continue
            pat = self._patterns[pid]
            n = len(pat.stems)
            # token positions (and quality) for each phrase token
            per_tok: list[list[tuple[int, float]]] = []
            for j in range(n):
                qs = qual[(pid, 1 << j)]
                per_tok.append(sorted((i, q) for st, q in qs.items() for i in occ[st]))
            if n == 1:
                for i, q in per_tok[0]:
                    hits.append(_Hit(pid, i, i, q, toks[i][3] < title_lines))
                continue
            if pat.contiguous:
                first = dict(per_tok[0])
                later = [dict(pt) for pt in per_tok[1:]]
                for i, q in first.items():
                    qs = [q]
                    for j, d in enumerate(later, start=1):
                        if i + j not in d or toks[i + j][4] != toks[i][4]:
                            break
                        qs.append(d[i + j])
                    else:
                        hits.append(_Hit(pid, i, i + n - 1, min(qs), toks[i][3] < title_lines))
                continue
            window = n - 1 + s.max_gap
            anchor = min(range(n), key=lambda j: len(per_tok[j]))
            last_end = -1
            for a, qa in per_tok[anchor]:
                if a <= last_end:
                    continue
                seg, ca = toks[a][4], cpos[a]
                chosen = [(a, qa)]
                ok = True
                for j in range(n):
                    if j == anchor:
                        continue
                    best = None
                    for i, q in per_tok[j]:
                        near = toks[i][4] == seg and abs(cpos[i] - ca) <= window
                        if (
                            near
                            and i not in (x[0] for x in chosen)
                            and (best is None or abs(cpos[i] - ca) < abs(cpos[best[0]] - ca))
                        ):
                            best = (i, q)
                    if best is None:
                        ok = False
                        break
                    chosen.append(best)
                if not ok:
                    continue
                idx = [x[0] for x in chosen]
                lo, hi = min(idx), max(idx)
                if cpos[hi] - cpos[lo] > window:
                    continue
                hits.append(_Hit(pid, lo, hi, min(x[1] for x in chosen), toks[lo][3] < title_lines))
                last_end = hi
        # drop hits nested inside a hit of a longer pattern
        hits.sort(key=lambda h: (h.first, -(h.last - h.first), h.pattern))
        kept: list[_Hit] = []
        for h in hits:
            n = len(self._patterns[h.pattern].stems)
            if any(
                k.first <= h.first and h.last <= k.last and len(self._patterns[k.pattern].stems) > n
                for k in hits
                if k is not h
            ):
                continue
            kept.append(h)
        text = sec.full_text
        out = []
        for h in kept:
            h.start, h.end = toks[h.first][1], toks[h.last][2]
            out.append((h, text[h.start : h.end]))
        return out

    def _rank(
        self,
        hits: list[tuple[_Hit, str]],
        n_content: int,
        present: set[str],
        allowed: set[int],
    ) -> list[Suggestion]:
        s = self.settings
        # item -> phrase -> list of (hit, matched)
        per_item: dict[int, dict[str, list[tuple[_Hit, str, str]]]] = {}
        for h, matched in hits:
            for o in self._owners[h.pattern]:
                if o.item in allowed or o.item in self._children:
                    per_item.setdefault(o.item, {}).setdefault(o.phrase, []).append(
                        (h, matched, o.strength)
                    )
        damp = 1.0 + s.length_damping * max(0.0, math.log2(max(n_content, 1) / s.length_pivot))
        scores: dict[int, tuple[float, tuple[Evidence, ...]]] = {}
        for item, phrases in per_item.items():
            # overlapping hits of one item count once (the stronger/longer phrase wins)
            # the stronger phrase first, then the better (exact before fuzzy) and the longer
            cands = sorted(
                ((self._weight(lst[0]), ph, lst) for ph, lst in phrases.items()),
                key=lambda x: (-x[0], -max(h[0].quality for h in x[2]), -len(x[1]), x[1]),
            )
            taken: list[tuple[int, int]] = []
            total = 0.0
            strong_max = 0.0
            evidence: list[Evidence] = []
            company = False  # weak words only add to a strong or ordinary hit
            weak_total = 0.0
            for w, ph, lst in cands:
                free = [
                    x for x in lst if not any(x[0].first <= b and a <= x[0].last for a, b in taken)
                ]
                if not free:
                    continue
                free.sort(key=lambda x: (not x[0].in_title, -x[0].quality, x[0].first))
                h0 = free[0][0]
                contrib = w * (h0.quality / 100.0) ** 2 * (s.title_boost if h0.in_title else 1.0)
                contrib += s.repeat_bonus * w * min(len(free) - 1, s.max_repeats)
                if lst[0][2] == "weak":
                    contrib = min(contrib, max(0.0, s.weak_cap - weak_total))
                    weak_total += contrib
                total += contrib
                if lst[0][2] == "strong":
                    strong_max = max(strong_max, contrib)
                if lst[0][2] != "weak":
                    company = True
                for x in free:
                    taken.append((x[0].first, x[0].last))
                    evidence.append(
                        Evidence(ph, x[1], x[0].start, x[0].end, round(x[0].quality, 1))
                    )
            if s.statement_weight and self._statement_stems[item]:
                st = self._statement_stems[item]
                total += s.statement_weight * len(st & present) / len(st)
            e = max(strong_max, total / damp) if company else 0.0
            score = 100.0 * (1.0 - math.exp(-e))
            evidence.sort(key=lambda ev: (ev.start, ev.end, ev.phrase))
            scores[item] = (score, tuple(evidence))
        # umbrella items: suggested when enough children are
        for parent, kids in self._children.items():
            kid_scores = sorted(
                (scores[k][0] for k in kids if k in scores and scores[k][0] >= s.threshold),
                reverse=True,
            )
            if len(kid_scores) >= s.parent_min_children:
                derived = sum(kid_scores[: s.parent_min_children]) / s.parent_min_children
                own = scores.get(parent, (0.0, ()))
                if derived > own[0]:
                    ev = tuple(
                        sorted(
                            {e for k in kids if k in scores for e in scores[k][1]},
                            key=lambda ev: (ev.start, ev.end, ev.phrase),
                        )
                    )
                    scores[parent] = (derived, ev)
        return [
            Suggestion(self.items[i].id, round(sc, 2), ev)
            for i, (sc, ev) in sorted(scores.items())
            if i in allowed and sc > 0
        ]


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
