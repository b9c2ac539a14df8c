"""The admin sub-commands, run as real processes against a temporary data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from review.cli import main
from review.services import ReviewService

ROOT = Path(__file__).resolve().parent.parent


def run(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "COMPETENCY_REVIEW_DATA": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "review", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_agency_and_user_commands(data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch):
    assert main(["agency", "add", "Lakeside Youth Services", "--kind", "specialized"]) == 0
    assert "added agency Lakeside Youth Services (Specialized)" in capsys.readouterr().out
    assert main(["agency", "list"]) == 0
    assert "Specialized  Lakeside Youth Services" in capsys.readouterr().out

    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a long password\n"))
    assert (
        main(
            [
                "user",
                "add",
                "lena",
                "--role",
                "agency_user",
                "--agency",
                "lakeside youth services",
                "--password-stdin",
                "--display-name",
                "Lena L",
            ]
        )
        == 0
    )
    assert "added agency_user lena of Lakeside Youth Services" in capsys.readouterr().out
    assert (
        ReviewService(data_dir=data_dir).authenticate("lena", "a long password").role
        == "agency_user"
    )

    assert main(["user", "list"]) == 0
    assert "lena" in capsys.readouterr().out


def test_refusals_have_exit_codes(data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch):
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("short\n"))
    assert main(["user", "add", "bob", "--role", "reviewer", "--password-stdin"]) == 1
    assert "at least 10 characters" in capsys.readouterr().err
    assert (
        main(
            [
                "user",
                "add",
                "bob",
                "--role",
                "agency_user",
                "--agency",
                "Nowhere",
                "--password-stdin",
            ]
        )
        == 1
    )
    assert "no agency 'Nowhere'" in capsys.readouterr().err
    assert main(["agency", "add", "X", "--kind", "huge"]) == 2  # argparse usage error
    assert (
        main(["user", "add", "bob", "--role", "reviewer", "--password", "x"]) == 2
    )  # no password in argv


def test_password_prompt_needs_a_terminal(data_dir: Path):
    r = run(data_dir, "user", "add", "bob", "--role", "reviewer")
    assert r.returncode == 1
    assert "--password-stdin" in r.stderr


def test_demo_seeds_once_and_prints_logins(data_dir: Path):
    r = run(data_dir, "demo", "--if-empty")
    assert r.returncode == 0, r.stderr
    logins = (data_dir / "demo-logins.txt").read_text()
    lines = [ln.split() for ln in logins.splitlines()[2:] if ln.strip()]
    assert {ln[0] for ln in lines} == {"admin", "rosa", "sam", "nora", "hank"}
    for _username, password, *_ in lines:
        assert password in r.stdout
    svc = ReviewService(data_dir=data_dir)
    admin = svc.authenticate("admin", lines[0][1])
    states = sorted(d.state for d in svc.list_documents(admin))
    assert states == ["approved", "changes_requested", "draft", "in_review", "submitted"]
    kinds = sorted(a.kind for a in svc.list_agencies(admin))
    assert kinds == ["general", "specialised"]
    roles = {u.role for u in svc.list_users(admin)}
    assert roles == {"admin", "reviewer", "agency_user"}
    # the second start does nothing and keeps the passwords
    again = run(data_dir, "demo", "--if-empty")
    assert again.returncode == 0 and "already has users" in again.stdout
    assert (data_dir / "demo-logins.txt").read_text() == logins
    assert svc.authenticate("admin", lines[0][1]).role == "admin"
