"""The calibrated suggester: phrase evidence, sentence cues and document context, combined by a
small logistic model into the probability that a reviewer confirms a link.

Why (measured on ``eval-dev``, cross-validated by document; README "Suggester quality"): phrase
hits alone cannot tell a section that *addresses* a competency from one that *mentions* it
(a list of statutes, a definitions or purpose section, a training-topics list, a runaway policy
whose every section says "run"). So each (section, competency) pair with any phrase evidence
becomes a *candidate* described by named, general features:

* phrase evidence (:class:`review.matching.PhraseMatcher`): its score, how many distinct strong,
  ordinary and weak phrases hit, a hit in the title;
* what the evidence lines oblige: an obligation ("shall", "must", "will ensure") or an actor
  ("staff", "the agency") in the line, against a citation-like line (statute numbers, "U.S.C.",
  "§") or a short list entry;
* the section's kind from its title: definitions (evidence only for items whose framework entry
  says ``definitions_count``), purpose/scope, references/history;
* the document as context: how much of the document's evidence for the item this section holds,
  how many sections mention it (a subject that runs through every section), whether this is its
  top section;
* the item's own condition from the framework (``requires``): A1-A8/A12 need commercial sexual
  exploitation in view, C5/C6.x vicarious trauma or compassion fatigue, A11 prevention, ...

:mod:`review.model` turns the features into a probability; the default threshold keeps recall at
least 0.85 (chosen inside cross-validation folds: ``data/model/fit_model.py``).
"""

from __future__ import annotations

import math
import operator
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from review.explain import Explainer
from review.framework import Framework, Item
from review.matching import _BOUNDARY_RE as _BOUNDARY_SPLIT
from review.matching import _TOKEN_RE, MatchSettings, PhraseMatcher, gc_paused, stem
from review.models import Evidence, Section, Suggestion

#: the model's inputs, in order (their weights are named in ``data/model/*.json``)
FEATURES: tuple[str, ...] = (
    "phrase_score",  # the phrase matcher's score / 100
    "strong_phrases",  # log(1 + distinct strong phrases hit)
    "ordinary_phrases",  # log(1 + distinct ordinary phrases)
    "weak_phrases",  # log(1 + distinct weak phrases)
    "title_hit",  # a strong or ordinary phrase in the section title
    "obligation_lines",  # share of evidence lines that oblige ("shall", "must", "will ensure")
    "actor_lines",  # share of evidence lines naming who acts (staff, the agency, caregivers)
    "citation_lines",  # share of evidence lines that cite laws or codes
    "short_lines",  # share of evidence lines of six words or fewer (list entries, headings)
    "section_citations",  # share of the section's lines that cite laws or codes
    "definitions_section",  # a definitions section, item not evidenced by definitions
    "definitions_allowed",  # a definitions section, item evidenced by definitions (A2, A5)
    "purpose_section",  # purpose, scope, authority, applicability
    "reference_section",  # references, citations, history, forms, contents
    "condition_in_section",  # the item's condition (``requires``) met in the section, or none set
    "condition_in_document_only",  # met elsewhere in the document only
    "facet_coverage",  # share of the parts the item's statement names found in the section
    "document_share",  # this section's evidence / the document's best section's for the item
    "document_spread",  # share of the document's sections with evidence for the item
    "top_section",  # this is the document's best section for the item
    "section_topics",  # log(1 + other items with strong or ordinary evidence in the section)
    "section_length",  # log10(content words) / 3
    "advanced_item",  # the item is an Advanced Core Competency
    "skill_item",  # the item is a specific skill under a parent (C6.i-C6.xi)
)

#: the features read off a candidate's evidence lines (and the section's), each a share in
#: [0, 1]: the last computed, and the only ones :meth:`FeatureBuilder.build` bounds to prune
_LINE_FEATURES = tuple(
    FEATURES.index(n)
    for n in (
        "obligation_lines",
        "actor_lines",
        "citation_lines",
        "short_lines",
        "section_citations",
    )
)
assert tuple(range(_LINE_FEATURES[0], _LINE_FEATURES[-1] + 1)) == _LINE_FEATURES


def _slack(weights: Sequence[float]) -> float:
    """The most the line features can add to a logit (a little more, against rounding)."""
    return sum(max(0.0, weights[j]) for j in _LINE_FEATURES) + 1e-9


_LINE_SPLIT = re.compile(r"\n")
#: what a sentence that obliges says (regular-expression alternatives, ``?`` only after a
#: letter)
_OBLIGE_WORDS = (
    "shall",
    "must",
    "will",
    "should",
    "required",
    "requires",
    "require",
    "ensures?",
    "responsible for",
    "is expected",
    "are expected",
    "may not",
    "agrees? to",
    "commits? to",
    "is to",
    "are to",
)
_OBLIGE = re.compile(r"\b(?:" + "|".join(_OBLIGE_WORDS) + r")\b", re.I)
_ACTOR = re.compile(
    r"\b(?:staff|employees?|personnel|agency|agencies|program|programs|provider|providers|"
    r"we|our|caseworkers?|case managers?|workers?|supervisors?|managers?|director|"
    r"caregivers?|carers?|foster parents?|resource parents?|volunteers?|facility|shelter|"
    r"department|team|counselors?|advocates?|clinicians?|practitioners?|licensee)\b",
    re.I,
)
#: words that make a line a citation of laws or codes (lower case, as tokens)
_CITE_WORDS = frozenset(
    [
        "stat",
        "stats",
        "statute",
        "statutes",
        "rcw",
        "wac",
        "nycrr",
        "usc",
        "cfr",
        "act",
        "code",
        "seq",
        "ord",
        "amended",
        "eff",
        "pub",
    ]
)
#: citation shapes a token test cannot see: "§", "U.S.C.", "C.F.R.", "Pub. L.", "48.981(2)",
#: "(3)(b)", a contents line's leader dots and page number
_CITE_SHAPES = re.compile(
    r"§|\bU\.\s?S\.\s?C\b|\bC\.\s?F\.\s?R\b|\d+[A-Za-z]?\.\d+\(\w+\)|\(\d+\)\([a-z]\)|\.{4,}\s*\d+\s*$"
)
_SHAPE_CHARS = re.compile(r"[§.(]")
#: a superset of what :func:`_cites` looks for, run once over a whole section: lines without a
#: match cannot cite, so only the lines with one are checked exactly
_CITE_SIGNAL = re.compile(
    r"\b(?:stat|stats|statute|statutes|rcw|wac|nycrr|usc|cfr|act|code|seq|ord|amended|eff|pub)\b"
    r"|§|\bU\.\s?S\.\s?C\b|\bC\.\s?F\.\s?R\b|\d+[A-Za-z]?\.\d+\(\w+\)|\(\d+\)\([a-z]\)|\.{4,}",
    re.I,
)

#: the joiners inside a matcher token ("stat-based", "code's"): its parts are the word runs
_TOKEN_JOINERS = re.compile(r"['’\-]")


def _literal_parts(alternatives: Sequence[str]) -> tuple[str, ...]:
    """Lower-case text every match of one of ``alternatives`` holds: each up to its first
    optional letter, leaving out those that hold another."""
    parts = [w.split("?")[0][:-1] if "?" in w else w for w in alternatives]
    return tuple(p for p in parts if not any(q != p and q in p for q in parts))


#: a text :data:`_OBLIGE` matches holds one of these: most lines that oblige nothing are told
#: by them without the regular expression, which scans the whole line
_OBLIGE_PARTS = _literal_parts(_OBLIGE_WORDS)


def _obliges(line: str) -> bool:
    """``_OBLIGE.search(line)``, told without it for an ASCII line with none of
    :data:`_OBLIGE_PARTS` (for ASCII text the case-blind match is a match in its lower case;
    other text may fold differently, so it is always searched)."""
    if line.isascii():
        low = line.lower()
        if not any(part in low for part in _OBLIGE_PARTS):
            return False
    return bool(_OBLIGE.search(line))


def _tokens_on_line(line: int, seg_line: list[int], segs: list[int]) -> int:
    """How many tokens (:func:`review.matching.split_words`) line number ``line`` of a section
    holds: those of its segments (a segment never spans a line break; ``seg_line``, each
    segment's line, and ``segs``, each token's segment, both never decrease), counted by
    bisection instead of tokenising the line again."""
    first = bisect_left(seg_line, line)
    after = bisect_left(seg_line, line + 1)
    return bisect_left(segs, after) - bisect_left(segs, first)


def _cite_tokens(vocab: set[str]) -> frozenset[str]:
    """The tokens of a document (:func:`review.matching.split_words`) one of whose parts is a
    citation word: an ASCII text none of whose tokens is among them has no word that
    :data:`_CITE_SIGNAL` matches (its words are whole runs of letters, each a part of a token)."""
    return frozenset(
        w for w in vocab if any(p.lower() in _CITE_WORDS for p in _TOKEN_JOINERS.split(w))
    )


def _may_cite(text: str, words: list[str], cite_tokens: frozenset[str]) -> bool:
    """False only when :data:`_CITE_SIGNAL` cannot match ``text`` (``words`` its tokens): the
    signal scans every character and costs more than the rest of a section's features, while
    most sections cite nothing. Exact for ASCII text (no "§"; the shapes need "(", "....", "U."
    or "C."); any other text is scanned."""
    if not text.isascii() or not cite_tokens.isdisjoint(words):
        return True
    if "(" in text or "...." in text:
        return True
    low = text.lower()
    return "u." in low or "c." in low


_TITLE_DEF = re.compile(r"\b(?:definitions?|glossary|terms|terminology|meaning of|defined)\b", re.I)
_TITLE_PURPOSE = re.compile(
    r"\b(?:purpose|scope|authority|applicability|application|intent|policy statement|"
    r"introduction|objectives?)\b",
    re.I,
)
_TITLE_REFS = re.compile(
    r"\b(?:references?|citations?|statutory|legal basis|legal authority|codes?|history|"
    r"forms?|attachments?|appendix|contents|related (?:policies|procedures|laws)|resources|"
    r"revisions?|effective date|sources?)\b",
    re.I,
)


def _cites(line: str, tokens: list[str]) -> bool:
    """A line that cites laws or codes: citation words or shapes, and the line is short, dense
    with digits or holds several of them. Token tests first (a set look-up per word): the
    regular expression runs only on lines with a character a citation shape needs."""
    hits = sum(1 for t in tokens if t.lower() in _CITE_WORDS)
    if _SHAPE_CHARS.search(line):
        hits += len(_CITE_SHAPES.findall(line))
    if not hits:
        return False
    digits = sum(c.isdigit() for c in line)
    return hits >= 2 or len(tokens) <= 25 or digits * 8 >= len(line)


@dataclass(frozen=True)
class Candidate:
    """One (section, item) pair with evidence, and its features (in :data:`FEATURES` order)."""

    section: int  # index into the document's sections
    item: int  # index into the framework's items
    features: tuple[float, ...]


class _Cond:
    """An item's ``requires`` phrases as stem sets, met when all of a phrase's stems occur."""

    def __init__(self, phrases: Sequence[str]):
        self.sets = [frozenset(stem(w) for w in _TOKEN_RE.findall(p)) for p in phrases]
        self.sets = [s for s in self.sets if s]
        #: every stem of every phrase: a section with none of them cannot meet the condition
        self.any_stem = frozenset().union(*self.sets) if self.sets else frozenset()

    def met(self, stems: set[str] | frozenset[str]) -> bool:
        if self.any_stem.isdisjoint(stems):
            return False
        return any(s <= stems for s in self.sets)


class FeatureBuilder:
    """Turns a document's sections into candidates with features (weak-only pairs included)."""

    def __init__(self, framework: Framework, settings: MatchSettings | None = None):
        self.framework = framework
        self.matcher = PhraseMatcher(framework, settings)
        self.matcher.collect_stats = True
        self.items: tuple[Item, ...] = framework.items
        shared: dict[tuple[str, ...], _Cond] = {}  # one object per phrase list (A1-A8 share one)

        def cond(phrases: Sequence[str]) -> _Cond:
            key = tuple(phrases)
            if key not in shared:
                shared[key] = _Cond(phrases)
            return shared[key]

        self._conds = [cond(it.requires) if it.requires else None for it in self.items]
        self._facets = [[cond(ph) for _name, ph in it.facets] for it in self.items]
        self._cond_stems = frozenset(
            [s for c in self._conds if c is not None for st in c.sets for s in st]
            + [s for fs in self._facets for c in fs for st in c.sets for s in st]
        )
        # the distinct conditions numbered; per item its condition's and its facets' numbers
        self._all_conds = list(shared.values())
        num = {id(c): j for j, c in enumerate(self._all_conds)}
        self._cond_no = [-1 if c is None else num[id(c)] for c in self._conds]
        self._facet_nos = [tuple(num[id(c)] for c in fs) for fs in self._facets]

    @gc_paused()
    def build(
        self, sections: Sequence[Section], floor: tuple[Sequence[float], float] | None = None
    ) -> tuple[list[Candidate], list]:
        """The document's candidates and each section's scored phrase evidence (for evidence).

        With ``floor = (weights, least logit)`` (a logistic model's weights in :data:`FEATURES`
        order, its intercept included in the least logit), candidates whose logit cannot reach
        it are left out before their evidence lines are read: every other feature is computed
        first, and the line features (:data:`_LINE_FEATURES`, each a share in [0, 1]) are
        bounded by their weight when it is positive, by 0 otherwise. The candidates kept have
        exactly the features they have without ``floor``."""
        scored = list(self.matcher.scored(sections))
        n_sec = len(sections)
        items = self.items
        # evidence mass per (section, item), from distinct phrase counts (weak-only included);
        # per item the document's best mass and how many sections have strong or ordinary
        # evidence (one pass over the statistics)
        mass: list[dict[int, float]] = []
        best: dict[int, float] = {}
        spread: dict[int, int] = {}
        for sc in scored:
            row = {}
            for i, st in (sc.stats or {}).items():
                m = 1.2 * st[0] + 0.55 * st[1] + 0.25 * st[2]
                if m > 0:
                    row[i] = m
                    if m > best.get(i, 0.0):
                        best[i] = m
                    if st[0] or st[1]:
                        spread[i] = spread.get(i, 0) + 1
            mass.append(row)
        # condition and facet stems per section and for the whole document: the document's
        # words that stem to one are found once, each section's by a set intersection
        cond_stems = self._cond_stems
        vocab: set[str] = set()
        for sc in scored:
            vocab.update(sc.words)
        cond_word = {w: st for w in vocab if (st := stem(w)) in cond_stems}
        cond_words = frozenset(cond_word)
        sec_stems = [{cond_word[w] for w in cond_words.intersection(sc.words)} for sc in scored]
        doc_stems: set[str] = set().union(*sec_stems) if sec_stems else set()
        # per section the conditions it meets (numbers), from the sections each stem is in: a
        # condition phrase is met in the sections that have all its stems (:meth:`_Cond.met`)
        with_stem: dict[str, list[int]] = {}
        for k, stems in enumerate(sec_stems):
            for st in stems:
                with_stem.setdefault(st, []).append(k)
        met_here: list[set[int]] = [set() for _ in sec_stems]
        met_doc = []
        for j, c in enumerate(self._all_conds):
            met_doc.append(c.met(doc_stems))
            where: set[int] = set()
            for phrase in c.sets:
                got = [with_stem.get(st) for st in phrase]
                if all(got):
                    got.sort(key=len)
                    where.update(set(got[0]).intersection(*got[1:]))
            for k in where:
                met_here[k].add(j)
        cond_no = self._cond_no
        facet_nos = self._facet_nos
        cite_tok = _cite_tokens(vocab)
        if floor is not None:
            fw = [float(x) for x in floor[0]]
            w_head, w_tail = fw[: _LINE_FEATURES[0]], fw[_LINE_FEATURES[-1] + 1 :]
            least = float(floor[1]) - _slack(fw)
        out: list[Candidate] = []
        for k, (sec, sc) in enumerate(zip(sections, scored, strict=True)):
            stats = sc.stats or {}
            mk = mass[k]
            keep = [i for i, st in stats.items() if st[0] or st[1] or (st[2] >= 2 and mk.get(i))]
            if not keep:
                continue
            met = met_here[k]
            title = sec.title or ""
            t_def = bool(_TITLE_DEF.search(title))
            t_purpose = 1.0 if _TITLE_PURPOSE.search(title) else 0.0
            t_refs = 1.0 if _TITLE_REFS.search(title) and not t_def else 0.0
            n_words = len(sc.words)
            topics = sum(1 for st in stats.values() if st[0] or st[1])
            f_topics = math.log1p(max(topics - 1, 0))
            f_length = math.log10(max(n_words, 1)) / 3.0
            scores = sc.scores
            # every feature but the line features: (item, head, tail)
            rows = []
            for i in keep:
                st = stats[i]
                it = items[i]
                cn = cond_no[i]
                if cn < 0 or cn in met:
                    c_sec, c_doc = 1.0, 0.0
                elif met_doc[cn]:
                    c_sec, c_doc = 0.0, 1.0
                else:
                    c_sec = c_doc = 0.0
                m = mk[i]
                fcs = facet_nos[i]
                facet = sum(1 for j in fcs if j in met) / len(fcs) if fcs else 0.0
                head = (
                    scores.get(i, 0.0) / 100.0,
                    math.log1p(st[0]),
                    math.log1p(st[1]),
                    math.log1p(st[2]),
                    1.0 if st[3] else 0.0,
                )
                tail = (
                    1.0 if t_def and not it.definitions_count else 0.0,
                    1.0 if t_def and it.definitions_count else 0.0,
                    t_purpose,
                    t_refs,
                    c_sec,
                    c_doc,
                    facet,
                    m / best[i] if best.get(i) else 0.0,
                    spread.get(i, 0) / n_sec if n_sec else 0.0,
                    1.0 if m >= best.get(i, 0.0) else 0.0,
                    f_topics,
                    f_length,
                    1.0 if it.tier == "advanced" else 0.0,
                    1.0 if it.parent else 0.0,
                )
                if floor is not None and (
                    sum(map(operator.mul, w_head, head)) + sum(map(operator.mul, w_tail, tail))
                    < least
                ):
                    continue
                rows.append((i, head, tail))
            if not rows:
                continue
            text = sc.text
            lines = text.split("\n")
            # each segment's line (segments never span a line break), so a token's line is
            # the line of its segment
            seps = _BOUNDARY_SPLIT.findall(text)
            seg_line = list(accumulate((sep == "\n" for sep in seps), initial=0))
            segs = sc.segs or []
            line_starts = list(accumulate((len(ln) + 1 for ln in lines), initial=0))
            cite_lines: set[int] = set()
            for mt in _CITE_SIGNAL.finditer(text) if _may_cite(text, sc.words, cite_tok) else ():
                a0 = bisect_right(line_starts, mt.start()) - 1
                a1 = bisect_right(line_starts, max(mt.end() - 1, mt.start())) - 1
                cite_lines.update(range(a0, a1 + 1))
            line_cites: dict[int, bool] = {}
            for li in cite_lines:
                ln = lines[li]
                line_cites[li] = bool(ln.strip()) and _cites(ln, _TOKEN_RE.findall(ln))
            n_lines = sum(1 for ln in lines if ln.strip())
            sec_cite = sum(line_cites.values()) / n_lines if n_lines else 0.0
            line_info: dict[int, tuple[bool, bool, bool, bool]] = {}
            for i, head, tail in rows:
                cues = [0, 0, 0, 0]
                used_lines = {seg_line[segs[t]] for t in stats[i][4]}
                for li in used_lines:
                    info = line_info.get(li)
                    if info is None:
                        ln = lines[li]
                        info = line_info[li] = (
                            _obliges(ln),
                            bool(_ACTOR.search(ln)),
                            line_cites.get(li, False),
                            _tokens_on_line(li, seg_line, segs) <= 6,
                        )
                    for j in range(4):
                        cues[j] += info[j]
                nl = max(len(used_lines), 1)
                f = (
                    *head,
                    cues[0] / nl,
                    cues[1] / nl,
                    cues[2] / nl,
                    cues[3] / nl,
                    sec_cite,
                    *tail,
                )
                out.append(Candidate(k, i, f))
        return out, scored

    def pair_features(
        self, sections: Sequence[Section]
    ) -> dict[tuple[str, str], tuple[float, ...]]:
        """Features by (section id, item id) for every pair of the document: a candidate's own,
        and for a pair without evidence (a link a reviewer added by hand) a vector with only the
        section's and the item's own features set."""
        cands, scored = self.build(sections)
        out = {(sections[c.section].id, self.items[c.item].id): c.features for c in cands}
        idx = {n: j for j, n in enumerate(FEATURES)}
        for k, sec in enumerate(sections):
            n_words = max(len(scored[k].words), 1)
            for it in self.items:
                if (sec.id, it.id) in out:
                    continue
                f = [0.0] * len(FEATURES)
                f[idx["section_length"]] = math.log10(n_words) / 3.0
                f[idx["advanced_item"]] = 1.0 if it.tier == "advanced" else 0.0
                f[idx["skill_item"]] = 1.0 if it.parent else 0.0
                f[idx["condition_in_section"]] = 0.0 if it.requires else 1.0
                out[(sec.id, it.id)] = tuple(f)
        return out


_SENTENCE = re.compile(r"[^.!?;\n]*(?:[.!?;]+|\n|$)")


@lru_cache(maxsize=64)
def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """``(start, end)`` of each non-blank sentence of ``text`` (cached: a section's suggestions
    share them)."""
    return tuple(
        (m.start(), m.end())
        for m in _SENTENCE.finditer(text)
        if m.end() > m.start() and m.group().strip()
    )


def evidence_sentences(
    text: str,
    evidence: Sequence[Evidence],
    limit: int = 2,
    body_start: int = 0,
    line_labels: Sequence[str] = (),
) -> tuple[str, ...]:
    """The sentences of ``text`` that carry the evidence: the ones with the most hits, in
    document order, at most ``limit``. Sentences of the body (from ``body_start``: after the
    title) come first; the title only when the evidence is all in it. With the body's
    ``line_labels`` (:attr:`Section.shown_labels`: one per body line), a sentence that opens a
    list item is quoted after its number or bullet, as Word shows it ("2. Staff call the
    hotline.")."""
    if not evidence:
        return ()
    if body_start and any(e.start >= body_start for e in evidence):
        evidence = [e for e in evidence if e.start >= body_start]
    spans = sentence_spans(text)
    starts = [a for a, _ in spans]
    counts: dict[int, int] = {}
    for e in evidence:
        j = bisect_right(starts, e.start) - 1
        if j >= 0:
            counts[j] = counts.get(j, 0) + 1
    top = sorted(counts, key=lambda j: (-counts[j], j))[:limit]
    out = tuple(" ".join(text[spans[j][0] : spans[j][1]].split()) for j in sorted(top))
    if not line_labels:
        return out
    return tuple(
        _item_number(text, spans[j][0], body_start, line_labels) + sentence
        for j, sentence in zip(sorted(top), out, strict=True)
    )


def _item_number(text: str, start: int, body_start: int, line_labels: Sequence[str]) -> str:
    """``"2. "`` (or ``"• "``) when the sentence at ``start`` opens a body line Word numbers
    (or bullets), else ``""``."""
    while start < len(text) and text[start] in " \t":
        start += 1
    if start < body_start or (start > body_start and text[start - 1] != "\n"):
        return ""  # in the title, or not at the start of its line
    label = line_labels[text.count("\n", body_start, start)]
    return f"{label} " if label else ""


def _evidence_for(sc, item: int) -> tuple[Evidence, ...]:
    ev = sc.evidence(item)
    if ev or not sc.stats or item not in sc.stats:
        return ev
    # weak-only candidates: the words that hit
    toks = sorted(sc.stats[item][4])[:8]
    if not toks:
        return ()
    starts = sc._offsets(toks[-1])
    return tuple(
        Evidence(
            sc.words[t],
            sc.text[starts[t] : starts[t] + len(sc.words[t])],
            starts[t],
            starts[t] + len(sc.words[t]),
            100.0,
        )
        for t in toks
    )


#: how many sections a competency's "where to look" lists, and the least probability (a
#: candidate below it has next to no evidence: listing it would only be noise)
NEAR_MISSES = 3
NEAR_MISS_FLOOR = 0.02


@dataclass(frozen=True)
class NearMiss:
    """A section the engine did not suggest for a competency, among its best for it."""

    section_id: str
    score: float  # 0-100, as a suggestion's
    sentence: str  # the sentence that carries most of its evidence ("" when none)

    def to_dict(self) -> dict:
        return {"section_id": self.section_id, "score": self.score, "sentence": self.sentence}


class Suggester:
    """Suggests links with a calibrated probability (0-100) that a reviewer confirms them.

    ``model`` defaults to the shipped model of the framework (``data/model/<framework id>.json``)
    adapted by the deployment's reviewer decisions when a learner is given."""

    def __init__(self, framework: Framework, settings: MatchSettings | None = None, model=None):
        from review.model import default_model

        self.framework = framework
        self.settings = settings or MatchSettings()
        self.features = FeatureBuilder(framework, self.settings)
        self.items = framework.items
        self._index = {it.id: i for i, it in enumerate(self.items)}
        self.model = model if model is not None else default_model(framework)
        #: the reasons of this model's suggestions, looked up once
        self._explain = Explainer(self.model.features, self.model.weights)

    def _allowed(self, tier: str, items: Sequence[str] | None) -> set[int]:
        return set(self.features.matcher._allowed(tier, items))

    def _floor(self, threshold: float | None) -> tuple[tuple[float, ...], float] | None:
        """:meth:`FeatureBuilder.build`'s ``floor`` for candidates of at least ``threshold``
        probability under this suggester's logistic model (None: keep every candidate; also for a
        model of another kind, whose probabilities this cannot bound)."""
        from review.model import LogisticModel

        m = self.model
        if threshold is None or type(m) is not LogisticModel or tuple(m.features) != FEATURES:
            return None
        if not 1e-12 < threshold < 1.0 - 1e-12:  # (the model's logits are clipped to ±30)
            return None
        return tuple(m.weights), math.log(threshold / (1.0 - threshold)) - m.bias

    def probabilities(self, sections: Sequence[Section], threshold: float | None = None):
        """Every candidate with its probability, and the scored sections. With a ``threshold``
        (a probability), candidates that cannot reach it may be left out."""
        cands, scored = self.features.build(sections, self._floor(threshold))
        probs = self.model.predict(
            [c.features for c in cands], [self.items[c.item].id for c in cands]
        )
        return cands, probs, scored

    def suggest(
        self,
        sections: Sequence[Section],
        tier: str = "all",
        items: Sequence[str] | None = None,
        threshold: float | None = None,
    ) -> list[list[Suggestion]]:
        """One list per section, in order: what :func:`review.model.select` keeps of the
        candidates (probability at least the threshold, at most ``top_k`` per section), best
        first (ties by competency id)."""
        return self.analyze(sections, tier, items, threshold, near_misses=0)[0]

    @gc_paused()
    def analyze(
        self,
        sections: Sequence[Section],
        tier: str = "all",
        items: Sequence[str] | None = None,
        threshold: float | None = None,
        near_misses: int = NEAR_MISSES,
    ) -> tuple[list[list[Suggestion]], dict[str, list[NearMiss]]]:
        """:meth:`suggest`'s lists, and for each competency the best ``near_misses`` sections it
        did not suggest for it (probability at least :data:`NEAR_MISS_FLOOR`): where a reviewer
        looks first when the competency is a gap."""
        from review.model import select

        allowed = self._allowed(tier, items)
        # without near misses only the candidates that can be suggested are needed
        least = None
        if near_misses <= 0 and getattr(self.model, "volume_from", None) is None:
            least = self.model.threshold if threshold is None else threshold
        cands, probs, scored = self.probabilities(sections, least)
        keep = [j for j, c in enumerate(cands) if c.item in allowed]
        rows = [cands[j].features for j in keep]
        chosen = select(
            self.model,
            rows,
            [cands[j].section for j in keep],
            [self.items[cands[j].item].id for j in keep],
            threshold,
            [probs[j] for j in keep],
        )
        per: list[list[tuple[float, int, tuple[float, ...]]]] = [[] for _ in sections]
        for j in chosen:
            c = cands[keep[j]]
            per[c.section].append((probs[keep[j]], c.item, c.features))
        out: list[list[Suggestion]] = []
        explain = self._explain
        for k, row in enumerate(per):
            row.sort(key=lambda x: (-round(x[0], 4), self.items[x[1]].id))
            sugg = []
            for p, i, feats in row:
                ev = _evidence_for(scored[k], i)
                sugg.append(
                    Suggestion(
                        self.items[i].id,
                        round(100.0 * p, 1),
                        ev,
                        evidence_sentences(
                            scored[k].text,
                            ev,
                            body_start=sections[k].body_start,
                            line_labels=sections[k].shown_labels,
                        ),
                        explain(feats, self.items[i]),
                        feats,
                    )
                )
            out.append(sugg)
        if near_misses <= 0:
            return out, {}
        taken = {keep[j] for j in chosen}
        by_item: dict[int, list[tuple[float, int]]] = {}
        for j in keep:
            if j not in taken and probs[j] >= NEAR_MISS_FLOOR:
                by_item.setdefault(cands[j].item, []).append((probs[j], cands[j].section))
        misses: dict[str, list[NearMiss]] = {}
        for i, row in sorted(by_item.items(), key=lambda t: self.items[t[0]].id):
            row.sort(key=lambda t: (-round(t[0], 4), t[1]))
            got = []
            for p, k in row[:near_misses]:
                ev = _evidence_for(scored[k], i)
                sec = sections[k]
                sent = evidence_sentences(scored[k].text, ev, 1, sec.body_start, sec.shown_labels)
                got.append(NearMiss(sec.id, round(100.0 * p, 1), sent[0] if sent else ""))
            misses[self.items[i].id] = got
        return out, misses

    def score_matrix(self, sections: Sequence[Section], items: Sequence[str] | None = None):
        """Every section × item probability (0-100), thresholds not applied: near-misses."""
        from review.matching import ScoreMatrix

        allowed = sorted(self._allowed("all", items))
        cands, probs, _ = self.probabilities(sections)
        pos = {i: j for j, i in enumerate(allowed)}
        rows = [[0.0] * len(allowed) for _ in sections]
        for c, p in zip(cands, probs, strict=True):
            j = pos.get(c.item)
            if j is not None:
                rows[c.section][j] = round(100.0 * p, 1)
        return ScoreMatrix(tuple(self.items[i].id for i in allowed), tuple(map(tuple, rows)))
