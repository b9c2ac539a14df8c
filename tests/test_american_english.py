"""American English in everything a user reads: the text literals of the pages, the services'
messages and the reports carry no British spelling. (Stored ids such as ``"specialised"`` are
internal and never shown: a literal that is exactly an id is skipped.)"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: British spellings with an American form a reader would expect
BRITISH = re.compile(
    r"(?i)\b(?:\w*specialis\w*|\w*organis\w*|\w*recognis\w*|behaviour\w*|colour\w*|"
    r"centre[sd]?\b|programmes?\b|counsell\w*|licence[sd]?\b|judgement\w*|"
    r"analys(?:e|ed|es|ing)\b|catalogue[sd]?\b|travell\w*|modell\w*|cancell(?:ed|ing)\b|"
    r"labell(?:ed|ing)\b|favour\w*|honour\w*|defence\b|\w*prioritis\w*|\w*minimis\w*|"
    r"\w*summaris\w*|\w*categoris\w*|\w*authoris\w*|emphasis(?:e|ed|es|ing)\b|\w*utilis\w*|"
    r"\w*apologis\w*|\w*criticis(?:e|ed|es|ing)\b)"
)
#: internal ids that are never shown (stored agency kinds)
IDS = {"specialised"}

SOURCES = [
    *sorted((ROOT / "pages").glob("*.py")),
    ROOT / "streamlit_app.py",
    *sorted((ROOT / "review" / "services").glob("*.py")),
    *sorted((ROOT / "review" / "reports").glob("*.py")),
    ROOT / "review" / "labels.py",
    ROOT / "review" / "viewmodels.py",
    ROOT / "review" / "explain.py",
    ROOT / "review" / "errors.py",
    ROOT / "review" / "workflow.py",
    ROOT / "review" / "cli.py",
    ROOT / "review" / "demo.py",
]


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    return [
        (n.lineno, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and id(n) not in docstrings
        and n.value not in IDS
    ]


def test_the_pattern_catches_british_and_passes_american():
    for word in ("specialised agencies", "organisation", "behaviour", "counselling", "colour"):
        assert BRITISH.search(word), word
    for word in ("specialized agencies", "organization", "behavior", "counseling", "color"):
        assert not BRITISH.search(word), word


def test_no_british_spelling_in_what_users_read():
    found = [
        f"{p.relative_to(ROOT)}:{line}: {m.group()!r} in {text[:80]!r}"
        for p in SOURCES
        if p.is_file()
        for line, text in _literals(p)
        for m in [BRITISH.search(text)]
        if m
    ]
    assert not found, "\n".join(found)
