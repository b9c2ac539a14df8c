"""The store: a small repository interface and its embedded TinyDB implementation.

Why this shape
--------------
TinyDB keeps a whole database in one JSON file and rewrites that file on every write, and it is
neither thread- nor process-safe. So the store is *partitioned* and every file is guarded:

``<data>/store/directory.json``   schema version, agencies, users            (small)
``<data>/store/index.json``       one summary row per document, for worklists (grows with documents)
``<data>/store/attempts.json``    failed sign-in attempts (throttling)        (small, hot on failures)
``<data>/store/documents/<id>.json``  one document: its record, versions (with parsed sections),
                                  links, review history, review lock, coverage assessments
``<data>/originals/<sha256><ext>`` uploaded originals, content-addressed, never overwritten

Deciding a link reads and writes only that document's file (plus a cached, unchanged read of
``directory.json`` to check the actor), so its cost does not grow with the number of documents.
The index row of a document changes only on uploads and transitions.

Every file is read and written through :class:`JsonFile`:

* writes are atomic: temp file in the same directory, flush, fsync, ``os.replace``, fsync of the
  directory — a reader or a killed writer never sees half a file;
* one writer at a time across threads *and* processes: a per-file ``threading.RLock`` plus a
  ``filelock.FileLock`` held across the whole read-modify-write of a transaction;
* reads outside a transaction are served from a parsed copy kept while the file's
  (inode, size, mtime) signature is unchanged — ``os.replace`` gives every write a new inode, so
  a write by another process is always noticed.

A transaction gives TinyDB an in-memory snapshot of the file (:class:`_SnapshotStorage`), so a
service's several queries and updates cost one parse and at most one atomic write, and TinyDB's
own caches (query cache, next id) live only as long as the snapshot — they can never be stale.

Lock order, to rule out deadlocks: a document file, then ``index.json``, then ``directory.json``;
``attempts.json`` is never held with another. A crash between the document write and the index
write leaves a stale summary; opening the repository repairs it (:meth:`TinyDBRepository.repair_recent`
re-reads only the document files written after the index was, so opening stays cheap), and
:meth:`TinyDBRepository.repair_index` rebuilds every summary.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock, Timeout
from tinydb import Query, TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from review.errors import DocumentDamaged, NotFound, StoreError, ValidationFailed

#: bump when the layout of stored records changes incompatibly; older stores are migrated on open
SCHEMA_VERSION = 1
#: how long a writer waits for another process's file lock before giving up with a StoreError
LOCK_TIMEOUT_S = 30.0

Record = dict[str, Any]


# --------------------------------------------------------------------------- files


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); silently skipped where directories can't be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old or the new file, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


_LOCKS_GUARD = threading.Lock()
_LOCKS: dict[str, tuple[threading.RLock, FileLock]] = {}


def _locks_for(path: Path) -> tuple[threading.RLock, FileLock]:
    """One (thread lock, file lock) pair per file per process, shared by every repository object,
    so two ``TinyDBRepository`` instances on the same directory also exclude each other."""
    key = str(path)
    with _LOCKS_GUARD:
        pair = _LOCKS.get(key)
        if pair is None:
            # thread_local=False: the RLock already serialises threads; the FileLock counts
            # re-entries of the one thread that holds it.
            pair = (threading.RLock(), FileLock(key + ".lock", thread_local=False))
            _LOCKS[key] = pair
        return pair


class DamagedFile(StoreError):
    """A store file that cannot be parsed (``path``, ``detail``)."""

    def __init__(self, path: Path, detail: str):
        self.path = path
        self.detail = detail
        super().__init__(f"the store file {path.name} is damaged and cannot be read ({detail})")


class JsonFile:
    """A JSON file with atomic writes, cross-process locking and a signature-checked read cache."""

    def __init__(self, path: Path):
        self.path = path
        self._rlock, self._flock = _locks_for(path)
        self._cache: tuple[tuple[int, int, int], dict] | None = None

    def _parse(self) -> dict:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DamagedFile(self.path, str(exc)) from exc
        if not isinstance(data, dict):
            raise DamagedFile(self.path, "not a TinyDB file")
        return data

    def read_shared(self) -> dict:
        """The current content, shared with other readers: callers must not mutate it."""
        sig = _signature(self.path)
        cached = self._cache
        if sig is not None and cached is not None and cached[0] == sig:
            return cached[1]
        data = self._parse()
        if sig is not None and _signature(self.path) == sig:  # unchanged while we read it
            self._cache = (sig, data)
        return data

    def read_fresh(self) -> dict:
        """A private copy for a writer (parsed from disk, so a failed transaction leaves no trace)."""
        return self._parse()

    def write(self, data: dict) -> None:
        blob = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        atomic_write_bytes(self.path, blob)
        self._cache = None

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with self._rlock:
            try:
                self._flock.acquire(timeout=LOCK_TIMEOUT_S)
            except Timeout as exc:
                raise StoreError(
                    f"the store is busy ({self.path.name} has been locked for {LOCK_TIMEOUT_S:.0f} s); try again"
                ) from exc
            try:
                yield
            finally:
                self._flock.release()

    def exists(self) -> bool:
        return self.path.exists()


class _SnapshotStorage(Storage):
    """TinyDB storage over one in-memory snapshot of a file, for the span of one transaction."""

    def __init__(self, data: dict, writable: bool):
        self.data = data
        self.writable = writable
        self.dirty = False

    def read(self) -> dict | None:
        return self.data

    def write(self, data: dict) -> None:
        if not self.writable:
            raise StoreError("internal error: a write inside a read-only store transaction")
        self.data = data
        self.dirty = True


class Snapshot:
    """TinyDB tables over one file's snapshot. Records returned are copies safe to keep."""

    def __init__(self, data: dict, writable: bool):
        self.storage = _SnapshotStorage(data, writable)
        self.db = TinyDB(storage=lambda: self.storage)

    def table(self, name: str) -> Table:
        return self.db.table(name, cache_size=0)

    @property
    def dirty(self) -> bool:
        return self.storage.dirty


@contextlib.contextmanager
def _transaction(file: JsonFile, write: bool) -> Iterator[Snapshot]:
    if not write:
        yield Snapshot(file.read_shared(), writable=False)
        return
    with file.locked():
        snap = Snapshot(file.read_fresh(), writable=True)
        yield snap
        if snap.dirty:
            file.write(snap.storage.data)


def _plain(doc: Document | Record | None) -> Record | None:
    """TinyDB documents are shallow copies of the stored dicts: a deep copy of the JSON values
    (dicts, lists, scalars), so a caller may change what it gets. A structural copy: 4× faster
    than a JSON round trip, which dominated reading a 1,500-section document's 2,100 links."""
    if doc is None:
        return None
    out = dict(doc)
    for k, v in out.items():
        t = type(v)
        if t is dict or t is list or t is tuple:
            out[k] = _copy_json(v)
    return out


def _copy_json(v: Any) -> Any:
    t = type(v)
    if t is dict:
        return {k: _copy_json(x) for k, x in v.items()}
    if t is list or t is tuple:
        return [_copy_json(x) for x in v]
    return v


# --------------------------------------------------------------------------- interface


class DocumentTx(Protocol):
    """One document's records inside a transaction (see :meth:`Repository.document`)."""

    document_id: str

    def get(self) -> Record: ...
    def put(self, record: Record) -> None: ...
    def update(self, fields: Record) -> None: ...
    def versions(self) -> list[Record]: ...
    def version(self, number: int) -> Record: ...
    def add_version(self, record: Record) -> None: ...
    def links(self, version: int) -> list[Record]: ...
    def link(self, link_id: str) -> Record | None: ...
    def add_links(self, records: Iterable[Record]) -> None: ...
    def update_link(self, link_id: str, fields: Record) -> None: ...
    def update_links(self, fields_by_id: dict[str, Record]) -> int: ...
    def remove_link(self, link_id: str) -> None: ...
    def history(self) -> list[Record]: ...
    def append_history(self, entry: Record) -> None: ...
    def lock(self) -> Record | None: ...
    def set_lock(self, lock: Record | None) -> None: ...
    def assessments(self, version: int) -> list[Record]: ...
    def set_assessment(self, version: int, competency: str, record: Record | None) -> None: ...


class Repository(Protocol):
    """What the services need from a store. Records are plain JSON-able dicts.

    Writes happen inside ``with repo.document(doc_id, write=True) as tx`` (one document) or the
    directory/index/attempt methods, each atomic on its own.
    """

    def document(
        self, document_id: str, write: bool = False
    ) -> contextlib.AbstractContextManager[DocumentTx]: ...
    def create_document(self, record: Record) -> contextlib.AbstractContextManager[DocumentTx]: ...
    def document_ids(self) -> list[str]: ...
    # index (document summaries, for worklists)
    def put_summary(self, summary: Record) -> None: ...
    def put_summaries(self, summaries: Iterable[Record]) -> None: ...
    def summary(self, document_id: str) -> Record | None: ...
    def summaries(
        self, where: Callable[[Record], bool] | None = None, *, match: Record | None = None
    ) -> list[Record]: ...
    # directory
    def add_agency(self, record: Record) -> None: ...
    def agencies(self) -> list[Record]: ...
    def agency(self, agency_id: str) -> Record | None: ...
    def add_user(self, record: Record) -> None: ...
    def user(self, username: str) -> Record | None: ...
    def users(self) -> list[Record]: ...
    def update_user(self, username: str, fields: Record) -> None: ...
    def update_user_keeping_an_admin(self, username: str, fields: Record) -> None: ...
    # framework imports (who installed which framework file, when)
    def add_import(self, record: Record) -> None: ...
    def imports(self) -> list[Record]: ...
    # sign-in attempts
    def record_failure(self, keys: Iterable[str], time: str, keep_after: str) -> None: ...
    def failures(self, key: str, since: str) -> list[str]: ...
    def clear_failures(self, key: str) -> None: ...
    def claim_attempt(
        self,
        keys: Sequence[str],
        time: str,
        keep_after: str,
        refuse: Callable[[dict[str, list[str]]], str | None],
    ) -> tuple[str | None, str]: ...
    def forget_attempt(self, token: str) -> None: ...
    # damaged document files (quarantine)
    def quarantined(self) -> list[Record]: ...
    def recheck_document(self, document_id: str) -> bool: ...
    # originals
    def put_original(self, data: bytes, ext: str) -> str: ...
    def read_original(self, sha256: str, ext: str) -> bytes: ...
    # reviewers' decisions as the suggester's training examples (numbers, never document text)
    def add_learning_examples(self, records: Iterable[Record]) -> None: ...
    def learning_examples(self, framework_id: str) -> list[Record]: ...
    def clear_learning_examples(self, framework_id: str) -> int: ...
    def learning_setting(self, framework_id: str) -> Record: ...
    def set_learning_setting(self, framework_id: str, fields: Record) -> None: ...
    # browser sessions (ids are hashes of the cookie tokens; the tokens are never stored)
    def put_session(self, record: Record, prune_before: str) -> None: ...
    def session(self, session_id: str) -> Record | None: ...
    def update_session(self, session_id: str, fields: Record) -> None: ...
    def revoke_sessions(
        self, at: str, *, username: str | None = None, session_id: str | None = None
    ) -> int: ...
    def put_sign_in_grant(self, record: Record, prune_before: str) -> None: ...
    def take_sign_in_grant(self, grant_id: str) -> Record | None: ...
    # audit trail (append-only: no method changes or deletes an event)
    def append_audit(self, events: Iterable[Record]) -> None: ...
    def audit_events(
        self,
        *,
        since: str = "",
        until: str = "",
        actor: str | None = None,
        document_id: str | None = None,
        agency_id: str | None = None,
        action: str | None = None,
        limit: int | None = None,
    ) -> list[Record]: ...


# --------------------------------------------------------------------------- TinyDB implementation

Q = Query()


class TinyDBDocumentTx:
    """:class:`DocumentTx` over one TinyDB snapshot of ``documents/<id>.json``."""

    def __init__(self, document_id: str, snap: Snapshot):
        self.document_id = document_id
        self._snap = snap
        self._doc = snap.table("document")
        self._versions = snap.table("versions")
        self._links = snap.table("links")
        self._history = snap.table("history")
        self._lock = snap.table("lock")
        self._assess = snap.table("assessments")

    # the document record (one row)
    def get(self) -> Record:
        rows = self._doc.all()
        if not rows:
            raise NotFound("no such document")
        return _plain(rows[0])  # type: ignore[return-value]

    def put(self, record: Record) -> None:
        self._doc.truncate()
        self._doc.insert(record)

    def update(self, fields: Record) -> None:
        self._doc.update(fields)

    # versions
    def versions(self) -> list[Record]:
        return sorted((_plain(v) for v in self._versions.all()), key=lambda v: v["number"])  # type: ignore[index, arg-type]

    def version(self, number: int) -> Record:
        row = self._versions.get(Q.number == number)
        if row is None:
            raise NotFound(f"this document has no version {number}")
        return _plain(row)  # type: ignore[return-value]

    def add_version(self, record: Record) -> None:
        if self._versions.contains(Q.number == record["number"]):
            raise StoreError(f"version {record['number']} already exists")
        self._versions.insert(record)

    # links
    def links(self, version: int) -> list[Record]:
        return [_plain(r) for r in self._links.search(Q.version == version)]  # type: ignore[misc]

    def link(self, link_id: str) -> Record | None:
        return _plain(self._links.get(Q.id == link_id))

    def add_links(self, records: Iterable[Record]) -> None:
        rows = list(records)
        existing = {(r["version"], r["section_id"], r["competency"]) for r in self._links.all()}
        for r in rows:
            key = (r["version"], r["section_id"], r["competency"])
            if key in existing:
                raise StoreError(f"a link {key} already exists")
            existing.add(key)
        self._links.insert_multiple(rows)

    def update_link(self, link_id: str, fields: Record) -> None:
        if not self._links.update(fields, Q.id == link_id):
            raise NotFound("no such link")

    def update_links(self, fields_by_id: dict[str, Record]) -> int:
        """Update many links in one pass over the table (a bulk decision on hundreds of links
        would otherwise scan the table once per link). Every id must exist: checked before
        anything changes. Returns how many links were updated."""
        if not fields_by_id:
            return 0
        rows = {r["id"]: r.doc_id for r in self._links.all() if r.get("id") in fields_by_id}
        missing = set(fields_by_id) - set(rows)
        if missing:
            raise NotFound("no such link")

        def apply(doc: dict[str, Any]) -> None:
            doc.update(fields_by_id[doc["id"]])

        self._links.update(apply, doc_ids=list(rows.values()))
        return len(rows)

    def remove_link(self, link_id: str) -> None:
        if not self._links.remove(Q.id == link_id):
            raise NotFound("no such link")

    # history: append-only
    def history(self) -> list[Record]:
        return [_plain(r) for r in self._history.all()]  # type: ignore[misc]

    def append_history(self, entry: Record) -> None:
        self._history.insert(entry)

    # review lock
    def lock(self) -> Record | None:
        rows = self._lock.all()
        return _plain(rows[0]) if rows else None

    def set_lock(self, lock: Record | None) -> None:
        self._lock.truncate()
        if lock is not None:
            self._lock.insert(lock)

    # coverage assessments (partial / not applicable), per version
    def assessments(self, version: int) -> list[Record]:
        return [_plain(r) for r in self._assess.search(Q.version == version)]  # type: ignore[misc]

    def set_assessment(self, version: int, competency: str, record: Record | None) -> None:
        self._assess.remove((Q.version == version) & (Q.competency == competency))
        if record is not None:
            self._assess.insert({**record, "version": version, "competency": competency})


#: the index row's copy of its document file's mtime (internal: summaries() leaves it out)
_FILE_SIG = "file_mtime_ns"

_EXT_OK = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.")


class TinyDBRepository:
    """The embedded store (see the module docstring for the layout and the guarantees)."""

    def __init__(self, data_dir: str | Path):
        self.root = Path(data_dir)
        if (self.root / ".restore-in-progress").exists():  # review.ops.RESTORE_MARKER
            raise StoreError(
                f"a restore into {self.root} was interrupted, so the store there is incomplete; "
                "run the restore again (competency-review restore BACKUP --force), which first "
                "puts the previous store back"
            )
        self.store_dir = self.root / "store"
        self.docs_dir = self.store_dir / "documents"
        self.originals_dir = self.root / "originals"
        for d in (self.store_dir, self.docs_dir, self.originals_dir):
            d.mkdir(parents=True, exist_ok=True)
        self._directory = JsonFile(self.store_dir / "directory.json")
        self._index = JsonFile(self.store_dir / "index.json")
        self._attempts = JsonFile(self.store_dir / "attempts.json")
        self._quarantine = JsonFile(self.store_dir / "quarantine.json")
        self._audit = AuditLog(self.store_dir / "audit")
        self._sessions = JsonFile(self.store_dir / "sessions.json")
        self._doc_files: dict[str, JsonFile] = {}
        self._doc_files_guard = threading.Lock()
        self._init_schema()
        self._remove_stale_temp_files()
        self.repair_recent()

    # ---------------------------------------------------------------- schema

    def _init_schema(self) -> None:
        with _transaction(self._directory, write=True) as snap:
            meta = snap.table("meta")
            row = meta.get(doc_id=1)
            if row is None:
                meta.insert({"schema_version": SCHEMA_VERSION})
                return
            found = int(row.get("schema_version", 0))
        if found > SCHEMA_VERSION:
            raise StoreError(
                f"the store in {self.root} was written by a newer version of Competency Review "
                f"(schema {found}; this version reads up to {SCHEMA_VERSION}). Upgrade the application."
            )
        # found < SCHEMA_VERSION: migrations go here when the schema changes

    def _remove_stale_temp_files(self, older_than_s: float = 3600.0) -> int:
        """Temp files of writers killed mid-write (their target file is intact). Only old ones:
        a young temp file may belong to a live writer about to rename it."""
        import time

        removed = 0
        cutoff = time.time() - older_than_s
        for d in (self.store_dir, self.docs_dir, self.originals_dir):
            for p in d.glob(".*.tmp"):
                with contextlib.suppress(FileNotFoundError):
                    if p.stat().st_mtime < cutoff:
                        p.unlink()
                        removed += 1
        return removed

    @property
    def schema_version(self) -> int:
        with _transaction(self._directory, write=False) as snap:
            row = snap.table("meta").get(doc_id=1)
        return int(row["schema_version"]) if row else 0

    # ---------------------------------------------------------------- documents

    def _doc_file(self, document_id: str) -> JsonFile:
        if not document_id or not all(c.isalnum() or c in "-_" for c in document_id):
            raise NotFound("no such document")
        with self._doc_files_guard:
            f = self._doc_files.get(document_id)
            if f is None:
                f = JsonFile(self.docs_dir / f"{document_id}.json")
                self._doc_files[document_id] = f
            return f

    @contextlib.contextmanager
    def document(self, document_id: str, write: bool = False) -> Iterator[TinyDBDocumentTx]:
        """One document's records; with ``write=True`` the file is locked for the whole block and
        written once, atomically, when the block ends without an exception."""
        f = self._doc_file(document_id)
        if not f.exists():
            raise NotFound("no such document")
        try:
            with _transaction(f, write) as snap:
                tx = TinyDBDocumentTx(document_id, snap)
                if not snap.table("document").all():
                    raise NotFound("no such document")
                yield tx
        except DamagedFile as exc:
            if exc.path != f.path:
                raise
            # the file cannot be parsed: quarantine the document, keep everything else working
            self._put_quarantine(document_id, exc.detail)
            raise DocumentDamaged("no such document") from exc

    @contextlib.contextmanager
    def create_document(self, record: Record) -> Iterator[TinyDBDocumentTx]:
        """A new document file holding ``record`` (which must carry a fresh ``id``)."""
        f = self._doc_file(record["id"])
        with _transaction(f, write=True) as snap:
            if snap.table("document").all():
                raise StoreError(f"document id {record['id']} is already used")
            tx = TinyDBDocumentTx(record["id"], snap)
            tx.put(record)
            yield tx

    def document_ids(self) -> list[str]:
        return sorted(p.stem for p in self.docs_dir.glob("*.json"))

    # ---------------------------------------------------------------- index

    def put_summary(self, summary: Record) -> None:
        """Insert or replace a document's summary, unless the stored one has a higher ``rev``
        (a slower writer finishing after a newer transition must not roll the row back)."""
        # the document file's signature as of this summary: repair_recent re-reads the file
        # when it differs (the document was written, its index row was not)
        summary = {**summary, _FILE_SIG: self._doc_mtime(summary["id"])}
        with _transaction(self._index, write=True) as snap:
            t = snap.table("documents")
            old = t.get(Q.id == summary["id"])
            if old is not None and int(old.get("rev") or 0) > int(summary.get("rev") or 0):
                return
            t.upsert(summary, Q.id == summary["id"])

    def put_summaries(self, summaries: Iterable[Record]) -> None:
        """Many summaries in one index write (bulk import, repair): same rev rule as put_summary."""
        summaries = [{**s, _FILE_SIG: self._doc_mtime(s["id"])} for s in summaries]
        with _transaction(self._index, write=True) as snap:
            t = snap.table("documents")
            by_id = {row["id"]: row.doc_id for row in t.all()}
            for summary in summaries:
                doc_id = by_id.get(summary["id"])
                if doc_id is None:
                    by_id[summary["id"]] = t.insert(summary)
                elif int(t.get(doc_id=doc_id).get("rev") or 0) <= int(summary.get("rev") or 0):
                    t.update(summary, doc_ids=[doc_id])

    def summary(self, document_id: str) -> Record | None:
        with _transaction(self._index, write=False) as snap:
            row = _plain(snap.table("documents").get(Q.id == document_id))
        if row is not None:
            row.pop(_FILE_SIG, None)
        return row

    def summaries(
        self, where: Callable[[Record], bool] | None = None, *, match: Record | None = None
    ) -> list[Record]:
        """Document summaries, filtered in Python (a plain scan of the cached index is ~1 ms at
        5,000 documents; TinyDB's Query would add overhead without an index to use). ``match``
        (equality on state / agency_id / reviewer_key, the casefolded reviewer) is what a server
        store answers from an index; here it is one more predicate."""
        with _transaction(self._index, write=False) as snap:
            raw = snap.storage.data.get("documents", {})
        rows = raw.values()
        if match:
            rows = [r for r in rows if _matches(r, match)]
        out = [dict(r) for r in rows if where is None or where(r)]
        for r in out:
            r.pop(_FILE_SIG, None)
        return out

    def _index_rows(self) -> dict[str, Record]:
        with _transaction(self._index, write=False) as snap:
            raw = snap.storage.data.get("documents", {})
        return {r["id"]: r for r in raw.values()}

    def repair_recent(self) -> int:
        """Repair the summaries a crash (or a full disk) may have left stale. A candidate is a
        document with no row, a file newer than ``index.json``, a file whose signature differs
        from the one its row was written with (``file_mtime_ns``: catches a document written
        while its index write failed and the index was written later for another document), or
        a quarantined document (re-checked). Costs one ``stat`` per document plus a read of the
        candidates. A damaged file is quarantined, never an error. Returns how many summaries
        changed."""
        index_path = self.store_dir / "index.json"
        try:
            index_mtime = index_path.stat().st_mtime_ns
        except FileNotFoundError:
            index_mtime = -1
        rows = self._index_rows()
        candidates = {q["id"] for q in self.quarantined()}
        for p in self.docs_dir.glob("*.json"):
            with contextlib.suppress(FileNotFoundError):
                row = rows.get(p.stem)
                mtime = p.stat().st_mtime_ns
                if row is None or mtime >= index_mtime or row.get(_FILE_SIG) != mtime:
                    candidates.add(p.stem)
        return self.repair_index(sorted(candidates)) if candidates else 0

    def repair_index(self, document_ids: Iterable[str] | None = None) -> int:
        """Rebuild the summaries of ``document_ids`` (default: every document) from the
        document files; a file that cannot be read is quarantined (and one that reads again
        leaves quarantine). Returns how many summaries changed."""
        current = self._index_rows()
        quarantined = {q["id"] for q in self.quarantined()}
        stale = []
        for doc_id in self.document_ids() if document_ids is None else document_ids:
            try:
                with self.document(doc_id) as tx:
                    rec = tx.get()
            except NotFound:  # missing, or damaged (DocumentDamaged has quarantined it)
                continue
            if doc_id in quarantined:
                self._drop_quarantine(doc_id)
            summary = summary_of(rec)
            old = current.get(doc_id) or {}
            mtime = self._doc_mtime(doc_id)
            if {k: old.get(k) for k in summary} != summary or old.get(_FILE_SIG) != mtime:
                stale.append(
                    {
                        **summary,
                        "rev": max(int(summary.get("rev") or 0), int(old.get("rev") or 0)),
                    }
                )
        if stale:
            self.put_summaries(stale)
        return len(stale)

    def _doc_mtime(self, document_id: str) -> int | None:
        try:
            return (self.docs_dir / f"{document_id}.json").stat().st_mtime_ns
        except FileNotFoundError:
            return None

    # ---------------------------------------------------------------- quarantine

    def quarantined(self) -> list[Record]:
        """Documents whose file could not be read: ``{id, reason, since}``, oldest first."""
        with _transaction(self._quarantine, write=False) as snap:
            rows = list(snap.storage.data.get("documents", {}).values())
        return sorted((dict(r) for r in rows), key=lambda r: (r.get("since") or "", r["id"]))

    def recheck_document(self, document_id: str) -> bool:
        """Read a quarantined document's file again (after an operator restored or fixed it):
        True when it reads now (its summary is rebuilt and it leaves quarantine)."""
        self._doc_file(document_id)  # validates the id
        self.repair_index([document_id])
        return document_id not in {q["id"] for q in self.quarantined()}

    def _put_quarantine(self, document_id: str, reason: str) -> None:
        from datetime import UTC, datetime

        with _transaction(self._quarantine, write=True) as snap:
            t = snap.table("documents")
            if t.contains(Q.id == document_id):
                return
            t.insert(
                {
                    "id": document_id,
                    "reason": reason[:300],
                    "since": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )

    def _drop_quarantine(self, document_id: str) -> None:
        with _transaction(self._quarantine, write=True) as snap:
            snap.table("documents").remove(Q.id == document_id)

    # ---------------------------------------------------------------- directory

    def add_agency(self, record: Record) -> None:
        with _transaction(self._directory, write=True) as snap:
            t = snap.table("agencies")
            if t.contains(Q.id == record["id"]):
                raise StoreError(f"agency id {record['id']} is already used")
            name = record["name"].casefold()
            if any(a["name"].casefold() == name for a in t.all()):
                raise ValidationFailed(f"an agency named {record['name']!r} already exists")
            t.insert(record)

    def agencies(self) -> list[Record]:
        with _transaction(self._directory, write=False) as snap:
            return [dict(a) for a in snap.table("agencies").all()]

    def agency(self, agency_id: str) -> Record | None:
        with _transaction(self._directory, write=False) as snap:
            row = snap.table("agencies").get(Q.id == agency_id)
        return dict(row) if row is not None else None

    def add_user(self, record: Record) -> None:
        key = record["username"].casefold()
        with _transaction(self._directory, write=True) as snap:
            t = snap.table("users")
            if t.contains(Q.key == key):
                raise ValidationFailed(f"the username {record['username']!r} is already taken")
            t.insert({**record, "key": key})

    def user(self, username: str) -> Record | None:
        key = username.casefold()
        with _transaction(self._directory, write=False) as snap:
            for row in snap.storage.data.get("users", {}).values():
                if row.get("key") == key:
                    return _plain(row)
        return None

    def users(self) -> list[Record]:
        with _transaction(self._directory, write=False) as snap:
            return [_plain(u) for u in snap.table("users").all()]  # type: ignore[misc]

    def update_user(self, username: str, fields: Record) -> None:
        with _transaction(self._directory, write=True) as snap:
            if not snap.table("users").update(fields, Q.key == username.casefold()):
                raise NotFound(f"no user named {username!r}")

    def update_user_keeping_an_admin(self, username: str, fields: Record) -> None:
        """Update a user unless that would take the store from at least one active admin to
        none (ValidationFailed, nothing written): the check and the write are one transaction, so two admins demoting each other at once cannot
        both succeed."""

        def admins(rows: Iterable[Record]) -> int:
            return sum(1 for u in rows if u.get("role") == "admin" and u.get("active", True))

        with _transaction(self._directory, write=True) as snap:
            t = snap.table("users")
            before = admins(t.all())
            if not t.update(fields, Q.key == username.casefold()):
                raise NotFound(f"no user named {username!r}")
            if before and not admins(t.all()):
                raise ValidationFailed(
                    "this would leave no active admin; make another user an admin first"
                )

    def add_import(self, record: Record) -> None:
        """Append a framework-import record (append-only, like the review history)."""
        with _transaction(self._directory, write=True) as snap:
            snap.table("imports").insert(record)

    def imports(self) -> list[Record]:
        with _transaction(self._directory, write=False) as snap:
            return [_plain(r) for r in snap.table("imports").all()]  # type: ignore[misc]

    # ---------------------------------------------------------------- sign-in attempts

    def record_failure(self, keys: Iterable[str], time: str, keep_after: str) -> None:
        """Add one failure per key and drop failures older than ``keep_after`` (ISO strings
        compare in time order)."""
        with _transaction(self._attempts, write=True) as snap:
            t = snap.table("failures")
            t.remove(Q.time < keep_after)
            t.insert_multiple({"key": k, "time": time} for k in keys)

    def claim_attempt(
        self,
        keys: Sequence[str],
        time: str,
        keep_after: str,
        refuse: Callable[[dict[str, list[str]]], str | None],
    ) -> tuple[str | None, str]:
        """Check and record one sign-in attempt in one locked step: ``refuse`` gets each key's
        failure times (after ``keep_after``); when it returns a message nothing is recorded and
        ``(message, "")`` comes back, else a failure is recorded for every key under a fresh
        token and ``(None, token)`` comes back — the caller :meth:`forget_attempt` s it when the
        password turns out right. Concurrent attempts therefore cannot pass the limit."""
        token = uuid.uuid4().hex
        with _transaction(self._attempts, write=True) as snap:
            t = snap.table("failures")
            rows = list(snap.storage.data.get("failures", {}).values())
            times = {
                k: sorted(r["time"] for r in rows if r["key"] == k and r["time"] > keep_after)
                for k in keys
            }
            msg = refuse(times)
            if msg:
                return msg, ""
            if any(r["time"] < keep_after for r in rows):
                t.remove(Q.time < keep_after)
            t.insert_multiple({"key": k, "time": time, "token": token} for k in keys)
        return None, token

    def forget_attempt(self, token: str) -> None:
        """Drop the failures recorded under ``token`` (the attempt succeeded)."""
        if not token:
            return
        with _transaction(self._attempts, write=True) as snap:
            snap.table("failures").remove(Q.token == token)

    def failures(self, key: str, since: str) -> list[str]:
        rows = self._failure_rows()
        return sorted(r["time"] for r in rows if r["key"] == key and r["time"] >= since)

    def clear_failures(self, key: str) -> None:
        """Forget ``key``'s failures; a sign-in with none to forget writes nothing."""
        if not any(r["key"] == key for r in self._failure_rows()):
            return
        with _transaction(self._attempts, write=True) as snap:
            snap.table("failures").remove(Q.key == key)

    def all_failures(self) -> list[Record]:
        """Every recorded failure ``{key, time}`` (store copies: migrate-store, backups)."""
        return [{"key": r["key"], "time": r["time"]} for r in self._failure_rows()]

    def _failure_rows(self) -> list[Record]:
        with _transaction(self._attempts, write=False) as snap:
            return list(snap.storage.data.get("failures", {}).values())

    # ---------------------------------------------------------------- originals

    def original_path(self, sha256: str, ext: str) -> Path:
        ext = ext.lower()
        if (
            len(sha256) != 64
            or not all(c in "0123456789abcdef" for c in sha256)
            or not set(ext) <= _EXT_OK
        ):
            raise NotFound("no such original")
        return self.originals_dir / f"{sha256}{ext}"

    def put_original(self, data: bytes, ext: str) -> str:
        """Store ``data`` under its sha256; an existing file is never overwritten (same hash, same
        bytes). Returns the hash."""
        sha = hashlib.sha256(data).hexdigest()
        path = self.original_path(sha, ext)
        if path.exists() and path.stat().st_size == len(data):
            return sha
        atomic_write_bytes(path, data)
        return sha

    def read_original(self, sha256: str, ext: str) -> bytes:
        path = self.original_path(sha256, ext)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFound("the original file of this version is missing from the store") from None

    # ---------------------------------------------------------------- learning examples
    # ``store/learning.jsonl``: one JSON line per example, appended under the file's locks and
    # fsynced (O(1) per decision however many there are; a line torn by a crash is skipped when
    # read). ``store/learning-settings.json``: per framework, whether learning is on.

    def _learning_path(self) -> Path:
        return self.store_dir / "learning.jsonl"

    def add_learning_examples(self, records: Iterable[Record]) -> None:
        """Append training examples (framework id, item, features, label, decision, time):
        numbers and ids only, never document text; one write for a bulk decision."""
        data = b"".join(
            json.dumps(r, separators=(",", ":"), sort_keys=True).encode() + b"\n" for r in records
        )
        if not data:
            return
        path = self._learning_path()
        rlock, flock = _locks_for(path)
        with rlock, flock:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)

    def learning_examples(self, framework_id: str) -> list[Record]:
        path = self._learning_path()
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return []
        out = []
        for line in raw.splitlines():
            try:
                r = json.loads(line)
            except ValueError:
                continue  # a torn last line after a crash
            if isinstance(r, dict) and r.get("framework_id") == framework_id:
                out.append(r)
        return out

    def clear_learning_examples(self, framework_id: str) -> int:
        """Forget a framework's examples (an admin's reset); how many were dropped."""
        path = self._learning_path()
        rlock, flock = _locks_for(path)
        with rlock, flock:
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                return 0
            keep, dropped = [], 0
            for line in raw.splitlines():
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                if isinstance(r, dict) and r.get("framework_id") == framework_id:
                    dropped += 1
                else:
                    keep.append(line + b"\n")
            atomic_write_bytes(path, b"".join(keep))
        return dropped

    def _learning_settings(self) -> JsonFile:
        f = getattr(self, "_learning_settings_file", None)
        if f is None:
            f = self._learning_settings_file = JsonFile(self.store_dir / "learning-settings.json")
        return f

    def learning_setting(self, framework_id: str) -> Record:
        with _transaction(self._learning_settings(), write=False) as snap:
            for r in snap.storage.data.get("settings", {}).values():
                if r.get("framework_id") == framework_id:
                    return _plain(r)  # type: ignore[return-value]
        return {"framework_id": framework_id, "enabled": True}

    def set_learning_setting(self, framework_id: str, fields: Record) -> None:
        with _transaction(self._learning_settings(), write=True) as snap:
            t = snap.table("settings")
            if not t.update(fields, Q.framework_id == framework_id):
                t.insert({"framework_id": framework_id, "enabled": True, **fields})

    # ---------------------------------------------------------------- browser sessions

    def put_session(self, record: Record, prune_before: str) -> None:
        """Store a new session (``record["id"]`` is the hash of its token) and drop sessions
        whose ``expires_at`` is before ``prune_before``."""
        with _transaction(self._sessions, write=True) as snap:
            t = snap.table("sessions")
            t.remove(Q.expires_at < prune_before)
            t.insert(record)

    def session(self, session_id: str) -> Record | None:
        with _transaction(self._sessions, write=False) as snap:
            for row in snap.storage.data.get("sessions", {}).values():
                if row.get("id") == session_id:
                    return _plain(row)
        return None

    def update_session(self, session_id: str, fields: Record) -> None:
        with _transaction(self._sessions, write=True) as snap:
            snap.table("sessions").update(fields, Q.id == session_id)

    def revoke_sessions(
        self, at: str, *, username: str | None = None, session_id: str | None = None
    ) -> int:
        """Mark sessions revoked (one by id, or all of a user's); returns how many."""
        if username is None and session_id is None:
            return 0
        key = username.casefold() if username else None
        with _transaction(self._sessions, write=True) as snap:
            t = snap.table("sessions")
            ids = [
                r.doc_id
                for r in t.all()
                if not r.get("revoked_at")
                and (session_id is None or r.get("id") == session_id)
                and (key is None or str(r.get("username", "")).casefold() == key)
            ]
            if ids:
                t.update({"revoked_at": at}, doc_ids=ids)
        return len(ids)

    def put_sign_in_grant(self, record: Record, prune_before: str) -> None:
        """A one-time code exchanged for a session cookie (``record["id"]``: its hash)."""
        with _transaction(self._sessions, write=True) as snap:
            t = snap.table("grants")
            t.remove(Q.expires_at < prune_before)
            t.insert(record)

    def take_sign_in_grant(self, grant_id: str) -> Record | None:
        """The grant, removed in the same transaction: a code works once."""
        with _transaction(self._sessions, write=True) as snap:
            t = snap.table("grants")
            row = t.get(Q.id == grant_id)
            if row is None:
                return None
            t.remove(doc_ids=[row.doc_id])
            return _plain(row)

    # ---------------------------------------------------------------- audit trail

    def append_audit(self, events: Iterable[Record]) -> None:
        """Append events to the audit trail (``store/audit/<month>.jsonl``); never rewritten."""
        self._audit.append(events)

    def audit_events(
        self,
        *,
        since: str = "",
        until: str = "",
        actor: str | None = None,
        document_id: str | None = None,
        agency_id: str | None = None,
        action: str | None = None,
        limit: int | None = None,
    ) -> list[Record]:
        """Audit events, newest first, filtered by time range, actor, document, agency, action."""
        return self._audit.events(
            since=since,
            until=until,
            actor=actor,
            document_id=document_id,
            agency_id=agency_id,
            action=action,
            limit=limit,
        )


def _matches(summary: Record, match: Record) -> bool:
    for key, value in match.items():
        if key == "reviewer_key":
            if (summary.get("reviewer") or "").casefold() != value:
                return False
        elif key in ("state", "agency_id"):
            if summary.get(key) != value:
                return False
        else:
            raise ValueError(f"cannot match summaries on {key!r}")
    return True


class AuditLog:
    """The audit trail as append-only JSON Lines, one file a month (``store/audit/2026-05.jsonl``).

    An append is one ``write`` of whole lines to a file opened with ``O_APPEND``, then ``fsync``,
    under the file's lock (threads and processes): it costs the same at the millionth event as at
    the first, and nothing is ever rewritten. A writer killed mid-append can leave a partial last
    line; readers skip a line that does not parse (and the next append starts on a new line).
    Reads parse a month's file once per change of its (inode, size, mtime) signature."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self._cache: dict[str, tuple[tuple[int, int, int], list[Record]]] = {}
        self._guard = threading.Lock()

    def _path(self, month: str) -> Path:
        return self.dir / f"{month}.jsonl"

    def append(self, events: Iterable[Record]) -> None:
        by_month: dict[str, list[Record]] = {}
        for e in events:
            when = str(e.get("time") or "")
            month = when[:7] if len(when) >= 7 and when[4] == "-" else "undated"
            by_month.setdefault(month, []).append(e)
        for month, rows in by_month.items():
            path = self._path(month)
            rlock, flock = _locks_for(path)
            blob = "".join(
                json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows
            ).encode("utf-8")
            with rlock:
                try:
                    flock.acquire(timeout=LOCK_TIMEOUT_S)
                except Timeout as exc:
                    raise StoreError("the audit trail is busy; try again") from exc
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                    try:
                        size = os.fstat(fd).st_size
                        if size:  # a torn last line from a killed writer: start a new line
                            with open(path, "rb") as fh:
                                fh.seek(size - 1)
                                if fh.read(1) != b"\n":
                                    blob = b"\n" + blob
                        os.write(fd, blob)
                        os.fsync(fd)
                    finally:
                        os.close(fd)
                finally:
                    flock.release()

    def _rows(self, path: Path) -> list[Record]:
        sig = _signature(path)
        if sig is None:
            return []
        with self._guard:
            cached = self._cache.get(path.name)
        if cached is not None and cached[0] == sig:
            return cached[1]
        rows: list[Record] = []
        for line in path.read_bytes().splitlines():
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                continue  # a torn line of a killed writer
            if isinstance(row, dict):
                rows.append(row)
        with self._guard:
            self._cache[path.name] = (sig, rows)
        return rows

    def events(
        self,
        *,
        since: str = "",
        until: str = "",
        actor: str | None = None,
        document_id: str | None = None,
        agency_id: str | None = None,
        action: str | None = None,
        limit: int | None = None,
    ) -> list[Record]:
        """Events newest first, filtered; ``until`` is inclusive of its whole prefix
        (``until="2026-05-31"`` keeps that day). Reads only the months in range."""
        months = sorted((p.stem for p in self.dir.glob("*.jsonl")), reverse=True)
        actor_key = actor.casefold() if actor else None
        out: list[Record] = []
        for month in months:
            if month != "undated":
                if since and month < since[:7]:
                    continue
                if until and month > until[:7]:
                    continue
            rows = [
                r
                for r in self._rows(self._path(month))
                if (not since or str(r.get("time", "")) >= since)
                and (not until or str(r.get("time", ""))[: len(until)] <= until)
                and (actor_key is None or str(r.get("actor", "")).casefold() == actor_key)
                and (document_id is None or r.get("document_id") == document_id)
                and (agency_id is None or r.get("agency_id") == agency_id)
                and (action is None or r.get("action") == action)
            ]
            rows.reverse()  # appended in time order; newest first
            out.extend(rows)
            if limit is not None and len(out) >= limit and month != "undated":
                break
        out.sort(
            key=lambda r: str(r.get("time", "")), reverse=True
        )  # stable: same-second order kept
        return [dict(r) for r in (out if limit is None else out[:limit])]


#: the fields of a document record copied into its index summary
SUMMARY_FIELDS = (
    "id",
    "agency_id",
    "title",
    "state",
    "current_version",
    "reviewer",
    "uploaded_by",
    "created_by",
    "created_at",
    "updated_at",
    "submitted_at",
    "approved_by",
    "approved_at",
    "rev",
    # the newest history entry, so worklists show it without reading each document's history
    "last_action",
    "last_actor",
    "last_action_at",
)


def summary_of(record: Record) -> Record:
    return {k: record.get(k) for k in SUMMARY_FIELDS}


#: the setting that selects the PostgreSQL store (unset or empty: the embedded TinyDB store)
DATABASE_URL_ENV = "COMPETENCY_REVIEW_DATABASE_URL"


def database_url() -> str:
    return os.environ.get(DATABASE_URL_ENV, "").strip()


def open_repository(data_dir: str | Path | None = None) -> Repository:
    """The one way services, pages and the CLI open the store: PostgreSQL when
    ``COMPETENCY_REVIEW_DATABASE_URL`` is set (see :mod:`review.storage_pg`), otherwise the
    TinyDB store in ``data_dir`` or :func:`review.config.data_dir`."""
    url = database_url()
    if url:
        from review.storage_pg import shared_repository

        return shared_repository(url)
    from review.config import data_dir as default_dir

    return TinyDBRepository(Path(data_dir) if data_dir is not None else default_dir())
