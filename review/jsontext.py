"""``json.dumps(obj, ensure_ascii=False, indent=...)``, faster: what ``analyze --json`` prints.

Python 3.11's C encoder cannot indent, so an indented dump goes through the pure-Python encoder,
whose nested generators cost more per value than anything else in the dump (on a 5,000-section
manual the dump took as long as parsing the file). Here one recursive function appends pieces to
one list and encodes strings with the standard library's C string encoder. The text is exactly
``json.dumps``'s for the JSON types (``tests/test_cli_analyze.py`` compares them): dicts with
string keys, lists, tuples, strings, ints, floats, booleans and None.
"""

from __future__ import annotations

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
