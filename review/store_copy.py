"""Copy one store into another through the Repository protocol, and verify the copy.

Used by ``competency-review migrate-store`` (TinyDB → PostgreSQL) and by backup/restore on the
PostgreSQL store (which go through a TinyDB-layout staging directory, so one archive format serves
both stores). Works in any direction between any two repositories.

What is copied: agencies, users (password hashes as they are), framework-import records, the
reviewers' decisions the suggester learns from, every
document with its versions (parsed sections included), links, history, review lock and
assessments, its index summary, every original a version refers to (read back and checked
against its SHA-256), and the recorded sign-in failures (the throttling window).

Safe to re-run: a document is copied in one transaction of the target (all of its parts or none),
and what the target already holds is compared with the source, not written again. A target that
holds anything the source does not — or holds it differently — is refused unless ``force``, which
empties the target first.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from review.errors import NotFound, ReviewError
from review.storage import Record, Repository


class CopyRefused(ReviewError):
    """The target holds other data (without ``force``), or the copy does not verify."""


@dataclass
class CopyResult:
    copied: Counter = field(default_factory=Counter)  # what this run wrote
    present: Counter = field(default_factory=Counter)  # what was already there, identical
    verified: dict[str, int] = field(default_factory=dict)  # counts checked on both sides


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def document_image(repo: Repository, document_id: str) -> Record:
    """Everything the store holds about one document, as plain data (for copying and comparing)."""
    with repo.document(document_id) as tx:
        rec = tx.get()
        versions = tx.versions()
        numbers = [int(v["number"]) for v in versions]
        return {
            "record": rec,
            "versions": versions,
            "links": {n: tx.links(n) for n in numbers},
            "history": tx.history(),
            "lock": tx.lock(),
            "assessments": {n: tx.assessments(n) for n in numbers},
        }


def _fingerprint(image: Record) -> str:
    norm = {
        **image,
        "links": {str(k): sorted(v, key=lambda r: r["id"]) for k, v in image["links"].items()},
        "assessments": {str(k): sorted(v, key=_canon) for k, v in image["assessments"].items()},
    }
    return hashlib.sha256(_canon(norm).encode("utf-8")).hexdigest()


def _write_document(dst: Repository, image: Record) -> None:
    with dst.create_document(image["record"]) as tx:
        for v in image["versions"]:
            tx.add_version(v)
        for links in image["links"].values():
            if links:
                tx.add_links(links)
        for entry in image["history"]:
            tx.append_history(entry)
        if image["lock"] is not None:
            tx.set_lock(image["lock"])
        for n, rows in image["assessments"].items():
            for row in rows:
                fields = {k: v for k, v in row.items() if k not in ("version", "competency")}
                tx.set_assessment(int(n), row["competency"], fields)


def _user_fields(u: Record) -> Record:
    return {k: v for k, v in u.items() if k != "key"}


def _check_target(src: Repository, dst: Repository) -> list[str]:
    """What the target holds that the source does not hold the same way (empty: safe)."""
    problems = []
    src_agencies = {a["id"]: a for a in src.agencies()}
    for a in dst.agencies():
        if src_agencies.get(a["id"]) != a:
            problems.append(f"agency {a['id']}")
    src_users = {u["username"].casefold(): _user_fields(u) for u in src.users()}
    for u in dst.users():
        if src_users.get(u["username"].casefold()) != _user_fields(u):
            problems.append(f"user {u['username']}")
    src_imports = Counter(_canon(r) for r in src.imports())
    extra = Counter(_canon(r) for r in dst.imports()) - src_imports
    if extra:
        problems.append(f"{sum(extra.values())} framework import record(s)")
    src_ids = set(src.document_ids())
    for doc_id in dst.document_ids():
        if doc_id not in src_ids:
            problems.append(f"document {doc_id}")
        elif _fingerprint(document_image(dst, doc_id)) != _fingerprint(document_image(src, doc_id)):
            problems.append(f"document {doc_id} (differs from the source)")
    return problems


def _wipe(dst: Repository) -> None:
    wipe = getattr(dst, "wipe", None)
    if wipe is None:
        raise CopyRefused("this target store cannot be emptied by --force; use an empty one")
    wipe()


def copy_store(
    src: Repository,
    dst: Repository,
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> CopyResult:
    """Copy ``src`` into ``dst`` and verify it (see the module docstring)."""
    say = progress or (lambda _msg: None)
    problems = _check_target(src, dst)
    if problems:
        if not force:
            shown = ", ".join(problems[:5]) + (" ..." if len(problems) > 5 else "")
            raise CopyRefused(
                f"the target store already holds data that is not in the source ({shown}); "
                "use an empty target, or pass --force to empty it first"
            )
        say(f"--force: emptying the target ({len(problems)} conflicting item(s))")
        _wipe(dst)
    result = CopyResult()

    present = {a["id"] for a in dst.agencies()}
    for a in src.agencies():
        if a["id"] in present:
            result.present["agencies"] += 1
        else:
            dst.add_agency(a)
            result.copied["agencies"] += 1
    present = {u["username"].casefold() for u in dst.users()}
    for u in src.users():
        if u["username"].casefold() in present:
            result.present["users"] += 1
        else:
            dst.add_user(_user_fields(u))
            result.copied["users"] += 1
    have = Counter(_canon(r) for r in dst.imports())
    for r in src.imports():
        key = _canon(r)
        if have[key] > 0:
            have[key] -= 1
            result.present["imports"] += 1
        else:
            dst.add_import(r)
            result.copied["imports"] += 1

    _copy_failures(src, dst, result)
    _copy_learning(src, dst, result)
    _copy_audit(src, dst, result)

    existing = set(dst.document_ids())
    ids = src.document_ids()
    for i, doc_id in enumerate(ids, 1):
        image = document_image(src, doc_id)
        # originals first: a document row never refers to an original the target lacks
        for v in image["versions"]:
            _copy_original(src, dst, v, result)
        if doc_id in existing:
            result.present["documents"] += 1
        else:
            _write_document(dst, image)
            result.copied["documents"] += 1
        if i % 100 == 0:
            say(f"  {i} / {len(ids)} documents")
    summaries = src.summaries()
    dst.put_summaries(summaries)
    result.verified = verify_copy(src, dst)
    return result


def _missing(
    source: list[Record], target: list[Record], label: str, result: CopyResult
) -> list[Record]:
    """The records of ``source`` the target does not hold yet (as a multiset: a record twice in
    the source is copied until the target holds it twice too); the rest count as present."""
    have = Counter(_canon(r) for r in target)
    rows = []
    for r in source:
        key = _canon(r)
        if have[key] > 0:
            have[key] -= 1
            result.present[label] += 1
        else:
            rows.append(r)
    return rows


def _copy_audit(src: Repository, dst: Repository, result: CopyResult) -> None:
    """The audit trail, oldest first, each event once (a re-run appends nothing)."""
    rows = _missing(list(reversed(src.audit_events())), dst.audit_events(), "audit events", result)
    if rows:
        dst.append_audit(rows)
        result.copied["audit events"] += len(rows)


def _copy_learning(src: Repository, dst: Repository, result: CopyResult) -> None:
    """Reviewers' decisions as training examples, and the learning switch, per framework."""
    from review.framework import list_frameworks

    for fw in list_frameworks():
        rows = _missing(
            src.learning_examples(fw.id),
            dst.learning_examples(fw.id),
            "learning examples",
            result,
        )
        if rows:
            dst.add_learning_examples(rows)
            result.copied["learning examples"] += len(rows)
        setting = src.learning_setting(fw.id)
        if setting != dst.learning_setting(fw.id):
            dst.set_learning_setting(
                fw.id, {k: v for k, v in setting.items() if k != "framework_id"}
            )


def _copy_failures(src: Repository, dst: Repository, result: CopyResult) -> None:
    """Sign-in failures (the throttling window), when both stores can list them."""
    if not (hasattr(src, "all_failures") and hasattr(dst, "all_failures")):
        return
    have = Counter((f["key"], f["time"]) for f in dst.all_failures())  # type: ignore[attr-defined]
    for f in src.all_failures():  # type: ignore[attr-defined]
        key = (f["key"], f["time"])
        if have[key] > 0:
            have[key] -= 1
            result.present["sign-in failures"] += 1
        else:
            dst.record_failure([f["key"]], f["time"], keep_after="")  # prunes nothing
            result.copied["sign-in failures"] += 1


def _copy_original(src: Repository, dst: Repository, version: Record, result: CopyResult) -> None:
    sha, ext = version.get("sha256"), version.get("ext") or ""
    if not sha:
        return
    data = src.read_original(sha, ext)
    if hashlib.sha256(data).hexdigest() != sha:
        raise CopyRefused(f"the source's original {sha[:12]}… does not match its SHA-256")
    try:
        already = dst.read_original(sha, ext) == data
    except NotFound:
        already = False
    if already:
        result.present["originals"] += 1
        return
    if dst.put_original(data, ext) != sha:
        raise CopyRefused(f"the target stored original {sha[:12]}… under another hash")
    result.copied["originals"] += 1


def verify_copy(src: Repository, dst: Repository) -> dict[str, int]:
    """Counts, every document's full content and every original's bytes, compared on both
    sides; raises :class:`CopyRefused` naming the first difference. Returns the counts."""
    counts: dict[str, int] = {}

    def same(name: str, a: int, b: int) -> None:
        if a != b:
            raise CopyRefused(f"verification failed: {a} {name} in the source, {b} in the target")
        counts[name] = a

    same("agencies", len(src.agencies()), len(dst.agencies()))
    same("users", len(src.users()), len(dst.users()))
    same("framework imports", len(src.imports()), len(dst.imports()))
    ids = src.document_ids()
    same("documents", len(ids), len(dst.document_ids()))
    n_versions = n_links = n_history = 0
    shas: set[tuple[str, str]] = set()
    for doc_id in ids:
        a, b = document_image(src, doc_id), document_image(dst, doc_id)
        if _fingerprint(a) != _fingerprint(b):
            raise CopyRefused(f"verification failed: document {doc_id} differs in the target")
        n_versions += len(a["versions"])
        n_links += sum(len(v) for v in a["links"].values())
        n_history += len(a["history"])
        shas |= {(v["sha256"], v.get("ext") or "") for v in a["versions"] if v.get("sha256")}
    counts.update(versions=n_versions, links=n_links, history=n_history)
    for sha, ext in sorted(shas):
        if hashlib.sha256(dst.read_original(sha, ext)).hexdigest() != sha:
            raise CopyRefused(f"verification failed: original {sha[:12]}… differs in the target")
    counts["originals"] = len({s for s, _ in shas})
    src_sum = {s["id"]: s for s in src.summaries()}
    dst_sum = {s["id"]: s for s in dst.summaries()}
    for doc_id in ids:
        if _canon(src_sum.get(doc_id)) != _canon(dst_sum.get(doc_id)):
            raise CopyRefused(f"verification failed: the summary of {doc_id} differs")
    counts["summaries"] = len(ids)
    return counts
