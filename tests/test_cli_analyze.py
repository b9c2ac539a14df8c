"""`competency-review analyze` and `eval`, end to end on generated files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from docx_factory import build_docx
from hypothesis import given, settings
from hypothesis import strategies as st

from review.cli import analysis_json, main
from review.engine import Suggester
from review.framework import get_framework
from review.jsontext import dumps_indented
from review.parsing import parse_file

ROOT = Path(__file__).resolve().parent.parent

POLICY = [
    ("title", "Youth Shelter Operations Manual"),
    ("h1", "Mandatory reporting"),
    "All employees are mandated reporters. Suspected child abuse or neglect is reported to the "
    "child abuse hotline and to law enforcement within 24 hours.",
    ("h1", "Missing youth"),
    "When a resident runs away or is missing from care, staff notify the on-call supervisor, "
    "search the grounds, and hold a return interview when the youth comes back.",
    ("h1", "Office supplies"),
    "Paper, toner and pens are ordered on the first Monday of each month.",
]


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "manual.docx"
    build_docx(POLICY, path)
    return path


def run_json(capsys, *argv: str) -> dict:
    assert main(list(argv)) == 0
    out = capsys.readouterr().out
    return json.loads(out)


def test_analyze_json(policy, capsys):
    data = run_json(capsys, "analyze", str(policy), "--json")
    assert data["document"] == "manual.docx"
    assert data["framework"]["id"] == "wisconsin-2017" and data["tier"] == "all"
    by_title = {s["title"]: s for s in data["sections"]}
    report = by_title["Mandatory reporting"]
    assert report["suggestions"][0]["competency"] == "C3"
    for ev in report["suggestions"][0]["evidence"]:
        full = report["title"] + "\n" + report["text"]
        assert full[ev["start"] : ev["end"]] == ev["matched"]
    assert "A11" in [g["competency"] for g in by_title["Missing youth"]["suggestions"]]
    assert by_title["Office supplies"]["suggestions"] == []


def test_analyze_json_text_is_json_dumps_text(policy, capsys):
    # the command prints its own indented encoding: exactly json.dumps's text
    assert main(["analyze", str(policy), "--json"]) == 0
    out = capsys.readouterr().out
    fw = get_framework()
    parsed = parse_file(policy)
    expected = analysis_json(parsed, Suggester(fw).suggest(parsed.sections), fw, "all")
    assert out == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda kids: (
        st.lists(kids, max_size=4)
        | st.tuples(kids, kids)
        | st.dictionaries(st.text(max_size=6), kids, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(_JSON, st.sampled_from([2, 0, 4]))
def test_dumps_indented_is_json_dumps(obj, indent):
    assert dumps_indented(obj, indent) == json.dumps(obj, ensure_ascii=False, indent=indent)


def test_analyze_tier_core_leaves_out_advanced(policy, capsys):
    data = run_json(capsys, "analyze", str(policy), "--json", "--tier", "core")
    assert data["tier"] == "core"
    got = [g["competency"] for s in data["sections"] for g in s["suggestions"]]
    assert got and not any(c.startswith("A") for c in got)


def test_analyze_text_output(policy, capsys):
    assert main(["analyze", str(policy)]) == 0
    out = capsys.readouterr().out
    assert "manual.docx:" in out and "framework wisconsin-2017 (all)" in out
    line = next(ln for ln in out.splitlines() if ln.startswith("Mandatory reporting"))
    assert "C3" in line and "mandated reporter" in line
    assert (
        next(ln for ln in out.splitlines() if ln.startswith("Office supplies"))
        .rstrip()
        .endswith("-")
    )


def test_analyze_unreadable_inputs_exit_3(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "missing.docx")]) == 3
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["analyze", str(bad)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("competency-review: ") and "Traceback" not in err


def test_analyze_usage_errors_exit_2(policy, capsys):
    assert main(["analyze", str(policy), "--tier", "expert"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert main(["analyze", str(policy), "--framework", "nope"]) == 2
    assert "no framework with id 'nope'" in capsys.readouterr().err
    assert main(["analyze"]) == 2


def test_eval_command(tmp_path, capsys):
    root = tmp_path / "set"
    (root / "docs").mkdir(parents=True)
    build_docx(POLICY, root / "docs" / "manual.docx")
    gold = [
        {"doc": "manual.docx", "section_title": "Mandatory reporting", "competencies": ["C3"]},
        {"doc": "manual.docx", "section_title": "Office supplies", "competencies": []},
    ]
    (root / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    data = run_json(capsys, "eval", str(root), "--json")
    assert data["recall"] == 1.0 and data["gold_sections"] == 2 and data["found_sections"] == 2
    assert data["per_competency"]["C3"]["tp"] == 1
    assert main(["eval", str(root)]) == 0
    assert "recall 1.000" in capsys.readouterr().out
    assert main(["eval", str(tmp_path / "nowhere")]) == 3
    assert "no such file" in capsys.readouterr().err


def test_console_script_subprocess(policy):
    exe = Path(sys.executable).parent / "competency-review"
    if not exe.exists():
        pytest.skip("console script not installed (pip install -e .)")
    r = subprocess.run(
        [str(exe), "analyze", str(policy), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [s["title"] for s in data["sections"]][-3:] == [
        "Mandatory reporting",
        "Missing youth",
        "Office supplies",
    ]
    r = subprocess.run(
        [str(exe), "analyze", "/no/such/file.docx"], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 3 and "no such file" in r.stderr
