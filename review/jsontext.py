"""``json.dumps(obj, ensure_ascii=False, indent=...)``, faster: what ``analyze --json`` prints.

Python 3.11's C encoder cannot indent, so an indented dump goes through the pure-Python encoder,
whose nested generators cost more per value than anything else in the dump (on a 5,000-section
manual the dump took as long as parsing the file). Here one recursive function appends pieces to
one list and encodes strings with the standard library's C string encoder. The text is exactly
``json.dumps``'s for the JSON types (``tests/test_cli_analyze.py`` compares them): dicts with
string keys, lists, tuples, strings, ints, floats, booleans and None.
"""

from __future__ import annotations

from collections.abc import Iterable
from json.encoder import encode_basestring

_INF = float("inf")


def dumps_indented(obj: object, indent: int = 2) -> str:
    """``json.dumps(obj, ensure_ascii=False, indent=indent)``."""
    out: list[str] = []
    _encode(obj, out, "\n", " " * indent)
    return "".join(out)


def _encode(o: object, out: list[str], nl: str, step: str) -> None:
    """Append the text of ``o``, whose first line is already indented and whose nested lines
    start with ``nl`` (a newline and the current indentation) plus ``step``."""
    if isinstance(o, dict):
        if not o:
            out.append("{}")
            return
        inner = nl + step
        sep = "{" + inner
        for k, v in o.items():
            if not isinstance(k, str):
                raise TypeError(f"keys must be str, not {k.__class__.__name__}")
            head = sep + encode_basestring(k) + ": "
            if isinstance(v, str):  # the commonest value: spare the call
                out.append(head + encode_basestring(v))
            elif isinstance(v, (dict, list, tuple)):
                out.append(head)
                _encode(v, out, inner, step)
            else:
                out.append(head + _scalar(v))
            sep = "," + inner
        out.append(nl + "}")
    elif isinstance(o, (list, tuple)):
        if not o:
            out.append("[]")
            return
        inner = nl + step
        sep = "[" + inner
        for v in o:
            if isinstance(v, str):
                out.append(sep + encode_basestring(v))
            elif isinstance(v, (dict, list, tuple)):
                out.append(sep)
                _encode(v, out, inner, step)
            else:
                out.append(sep + _scalar(v))
            sep = "," + inner
        out.append(nl + "]")
    else:
        out.append(_scalar(o))


def _scalar(o: object) -> str:
    """A string, number, boolean or None, as ``json.dumps`` writes it."""
    if isinstance(o, str):
        return encode_basestring(o)
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if isinstance(o, int):
        return int.__repr__(o)
    if isinstance(o, float):
        if o != o:
            return "NaN"
        if o == _INF:
            return "Infinity"
        if o == -_INF:
            return "-Infinity"
        return float.__repr__(o)
    raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")


def _value(v: object) -> str:
    return encode_basestring(v) if type(v) is str else _scalar(v)


def _flat_list(values: Iterable, nl: str) -> str:
    """A list of scalars whose items are indented by ``nl``: ``[`` + items + the closing line
    (``nl`` minus one step is the list's own indentation)."""
    body = ("," + nl).join(map(_value, values))
    return "[" + nl + body + nl[:-2] + "]" if body else "[]"


# the indentation (by two) of the analysis's levels: a section's keys are at 6, a suggestion's
# at 10, an evidence's at 14
_N = ["\n" + " " * (2 * d) for d in range(8)]


_EVIDENCE = (
    _N[6] + "{{" + _N[7] + '"phrase": {}' + "," + _N[7] + '"matched": {}' + "," + _N[7]
    + '"start": {}' + "," + _N[7] + '"end": {}' + "," + _N[7] + '"score": {}' + _N[6] + "}}"
).format  # fmt: skip


def _evidence_text(e) -> str:
    """One evidence dict of a suggestion, at its place (keys at indentation 14)."""
    a, b, q = e.start, e.end, e.score
    if type(a) is int and type(b) is int and type(q) is float and q - q == 0.0:  # (finite)
        return _EVIDENCE(
            _value(e.phrase), _value(e.matched), int.__repr__(a), int.__repr__(b), float.__repr__(q)
        )
    return _EVIDENCE(_value(e.phrase), _value(e.matched), _value(a), _value(b), _value(q))


#: a section; the slot after the title holds its "label" member when Word numbers its heading,
#: the slot after the text its "line_labels" when Word numbers list items in it
_SECTION = (
    "{{" + _N[3] + '"id": {}' + "," + _N[3] + '"title": {}{}' + "," + _N[3] + '"level": {}'
    + "," + _N[3] + '"path": {}' + "," + _N[3] + '"text": {}{}' + "," + _N[3]
    + '"first_par": {}'
    + "," + _N[3] + '"last_par": {}' + "," + _N[3] + '"suggestions": {}' + _N[2] + "}}"
).format  # fmt: skip
_LABEL = "," + _N[3] + '"label": '
_LINE_LABELS = "," + _N[3] + '"line_labels": '
_SUGGESTION = (
    _N[4] + "{{" + _N[5] + '"competency": {}' + "," + _N[5] + '"score": {}' + "," + _N[5]
    + '"evidence": {}' + "," + _N[5] + '"sentences": {}' + "," + _N[5] + '"reasons": {}'
    + _N[4] + "}}"
).format  # fmt: skip


def analysis_sections_text(sections: Iterable, suggestions: Iterable) -> str:
    """The ``"sections"`` list of ``review.cli.analysis_json``, as ``dumps_indented(…, 2)``
    writes it at that place (the list's own line at indentation 2), built straight from the
    sections and suggestions: no dict a value and no recursive call a value (the indented dump
    of a 5,000-section manual's analysis cost as much as its features)."""
    return "".join(analysis_sections_pieces(sections, suggestions))


def analysis_sections_pieces(sections: Iterable, suggestions: Iterable) -> list[str]:
    """:func:`analysis_sections_text` in pieces, one a section (with the separator before it; the
    last piece closes the list): joined once with what comes around them, so the text of a
    large manual is not copied by each concatenation."""
    n5, n6, n7 = _N[5], _N[6], _N[7]
    said: dict = {}  # the text of each distinct tuple of reasons
    out: list[str] = []
    add = out.append
    for s, sugg in zip(sections, suggestions, strict=True):
        items = []
        for g in sugg:
            evidence = (
                "[" + ",".join(map(_evidence_text, g.evidence)) + n5 + "]" if g.evidence else "[]"
            )
            reasons = "[]"
            if g.reasons:
                try:  # a manual's thousands of suggestions share a few dozen reasons
                    reasons = said[g.reasons]
                except KeyError:
                    reasons = said[g.reasons] = (
                        "[" + ",".join(n6 + _flat_list(r, n7) for r in g.reasons) + n5 + "]"
                    )
                except TypeError:  # (not hashable)
                    reasons = "[" + ",".join(n6 + _flat_list(r, n7) for r in g.reasons) + n5 + "]"
            items.append(
                _SUGGESTION(
                    _value(g.competency),
                    _value(round(g.score, 1)),
                    evidence,
                    _flat_list(g.sentences, n6),
                    reasons,
                )
            )
        found = "[" + ",".join(items) + _N[3] + "]" if items else "[]"
        label = getattr(s, "label", "")
        add(
            _SECTION(
                _value(s.id),
                _value(s.title),
                _LABEL + _value(label) if label else "",
                _value(s.level),
                _flat_list(s.path, _N[4]),
                _value(s.text),
                _LINE_LABELS + _flat_list(lines, _N[4]) if (lines := s.line_labels) else "",
                _value(s.first_par),
                _value(s.last_par),
                found,
            )
        )
    if not out:
        return ["[]"]
    out[0] = "[" + _N[2] + out[0]
    for j in range(1, len(out)):
        out[j] = "," + _N[2] + out[j]
    out.append(_N[1] + "]")
    return out
