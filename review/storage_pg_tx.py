"""One document's records inside one PostgreSQL transaction (``PgDocumentTx``).

See :mod:`review.storage_pg` for the concurrency rules this relies on: the document row is held
``FOR UPDATE`` for a write transaction, and document and link rows carry a ``row_version``
checked on every update.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from review.errors import NotFound, StoreError

Record = dict[str, Any]


def _jsonb(value: Any) -> Jsonb:
    return Jsonb(value)


def _split_version(record: Record) -> tuple[Record, list[Record] | None]:
    """A version record without its parsed sections, and the sections (None: kept inline)."""
    parsed = record.get("parsed")
    if not isinstance(parsed, dict) or not isinstance(parsed.get("sections"), list):
        return record, None
    sections = parsed["sections"]
    if not all(isinstance(s, dict) for s in sections):
        return record, None
    head = {**record, "parsed": {k: v for k, v in parsed.items() if k != "sections"}}
    return head, sections


class PgDocumentTx:
    """:class:`review.storage.DocumentTx` inside one PostgreSQL transaction."""

    def __init__(
        self, document_id: str, cur: psycopg.Cursor, record: Record, row_version: int, write: bool
    ):
        self.document_id = document_id
        self._cur = cur
        self._rec = record
        self._row_version = row_version
        self._write = write
        self._dirty = False
        self._new = False
        self._link_versions: dict[str, int] = {}

    def _writable(self) -> None:
        if not self._write:
            raise StoreError("internal error: a write inside a read-only store transaction")

    # the document record
    def get(self) -> Record:
        return copy.deepcopy(self._rec)

    def put(self, record: Record) -> None:
        self._writable()
        self._rec = copy.deepcopy(record)
        self._dirty = True

    def update(self, fields: Record) -> None:
        self._writable()
        self._rec.update(copy.deepcopy(fields))
        self._dirty = True

    def _flush(self) -> None:
        if not self._dirty:
            return
        rec = self._rec
        if self._new:
            self._cur.execute(
                "UPDATE documents SET data = %s, agency_id = %s, state = %s WHERE id = %s",
                (_jsonb(rec), rec.get("agency_id"), rec.get("state"), self.document_id),
            )
            return
        self._cur.execute(
            "UPDATE documents SET data = %s, agency_id = %s, state = %s,"
            " row_version = row_version + 1 WHERE id = %s AND row_version = %s",
            (
                _jsonb(rec),
                rec.get("agency_id"),
                rec.get("state"),
                self.document_id,
                self._row_version,
            ),
        )
        if self._cur.rowcount != 1:
            raise StoreError(
                "this document was changed by someone else at the same moment; reload and try again"
            )

    # versions
    def _assemble(self, rows: list[tuple[int, Record, bool]]) -> list[Record]:
        split = [n for n, _, s in rows if s]
        sections: dict[int, list[Record]] = {n: [] for n in split}
        if split:
            for version, data in self._cur.execute(
                "SELECT version, data FROM sections WHERE document_id = %s AND version = ANY(%s)"
                " ORDER BY version, ordinal",
                (self.document_id, split),
            ):
                sections[version].append(data)
        out = []
        for number, data, is_split in rows:
            if is_split:
                data["parsed"]["sections"] = sections[number]
            out.append(data)
        return out

    def versions(self) -> list[Record]:
        rows = self._cur.execute(
            "SELECT number, data, sections_split FROM versions WHERE document_id = %s"
            " ORDER BY number",
            (self.document_id,),
        ).fetchall()
        return self._assemble(rows)

    def version(self, number: int) -> Record:
        rows = self._cur.execute(
            "SELECT number, data, sections_split FROM versions"
            " WHERE document_id = %s AND number = %s",
            (self.document_id, int(number)),
        ).fetchall()
        if not rows:
            raise NotFound(f"this document has no version {number}")
        return self._assemble(rows)[0]

    def add_version(self, record: Record) -> None:
        self._writable()
        number = int(record["number"])
        if self._cur.execute(
            "SELECT 1 FROM versions WHERE document_id = %s AND number = %s",
            (self.document_id, number),
        ).fetchone():
            raise StoreError(f"version {number} already exists")
        head, sections = _split_version(record)
        self._cur.execute(
            "INSERT INTO versions (document_id, number, data, sections_split) VALUES (%s, %s, %s, %s)",
            (self.document_id, number, _jsonb(head), sections is not None),
        )
        if sections:
            with self._cur.copy(
                "COPY sections (document_id, version, ordinal, section_id, title, data) FROM STDIN"
            ) as cp:
                for i, s in enumerate(sections):
                    cp.write_row(
                        (
                            self.document_id,
                            number,
                            i,
                            str(s.get("id", "")),
                            str(s.get("title", "")),
                            _jsonb(s),
                        )
                    )

    # links
    def links(self, version: int) -> list[Record]:
        out = []
        for link_id, data, rv in self._cur.execute(
            "SELECT id, data, row_version FROM links WHERE document_id = %s AND version = %s"
            " ORDER BY seq",
            (self.document_id, int(version)),
        ):
            self._link_versions[link_id] = rv
            out.append(data)
        return out

    def link(self, link_id: str) -> Record | None:
        row = self._cur.execute(
            "SELECT data, row_version FROM links WHERE document_id = %s AND id = %s",
            (self.document_id, link_id),
        ).fetchone()
        if row is None:
            return None
        self._link_versions[link_id] = row[1]
        return row[0]

    def add_links(self, records: Iterable[Record]) -> None:
        self._writable()
        rows = list(records)
        if not rows:
            return
        versions = sorted({int(r["version"]) for r in rows})
        existing = {
            (v, s, c)
            for v, s, c in self._cur.execute(
                "SELECT version, section_id, competency FROM links"
                " WHERE document_id = %s AND version = ANY(%s)",
                (self.document_id, versions),
            )
        }
        for r in rows:
            key = (int(r["version"]), r["section_id"], r["competency"])
            if key in existing:
                raise StoreError(f"a link {key} already exists")
            existing.add(key)
        with self._cur.copy(
            "COPY links (document_id, id, version, section_id, competency, state, data) FROM STDIN"
        ) as cp:
            for r in rows:
                cp.write_row(
                    (
                        self.document_id,
                        r["id"],
                        int(r["version"]),
                        r["section_id"],
                        r["competency"],
                        r.get("state") or "",
                        _jsonb(r),
                    )
                )

    def _update_link_sql(self, link_id: str, fields: Record) -> int:
        expected = self._link_versions.get(link_id)
        sql = (
            "UPDATE links SET data = data || %s, state = coalesce(%s, state),"
            " row_version = row_version + 1 WHERE document_id = %s AND id = %s"
        )
        params: list[Any] = [_jsonb(fields), fields.get("state"), self.document_id, link_id]
        if expected is not None:
            sql += " AND row_version = %s"
            params.append(expected)
        sql += " RETURNING row_version"
        row = self._cur.execute(sql, params).fetchone()  # type: ignore[arg-type]
        if row is None:
            if expected is not None and self.link(link_id) is not None:
                raise StoreError(
                    "this link was changed by someone else at the same moment; reload and try again"
                )
            return 0
        self._link_versions[link_id] = row[0]
        return 1

    def update_link(self, link_id: str, fields: Record) -> None:
        self._writable()
        if not self._update_link_sql(link_id, fields):
            raise NotFound("no such link")

    def update_links(self, fields_by_id: dict[str, Record]) -> int:
        self._writable()
        if not fields_by_id:
            return 0
        ids = list(fields_by_id)
        found = {
            r[0]
            for r in self._cur.execute(
                "SELECT id FROM links WHERE document_id = %s AND id = ANY(%s)",
                (self.document_id, ids),
            )
        }
        if set(ids) - found:
            raise NotFound("no such link")
        unversioned = [i for i in ids if i not in self._link_versions]
        if len(unversioned) == len(ids):
            # a bulk decision on links not read in this transaction: one pipelined batch
            self._cur.executemany(
                "UPDATE links SET data = data || %s, state = coalesce(%s, state),"
                " row_version = row_version + 1 WHERE document_id = %s AND id = %s",
                [(_jsonb(f), f.get("state"), self.document_id, i) for i, f in fields_by_id.items()],
            )
            self._link_versions.clear()
        else:
            for i, f in fields_by_id.items():
                self._update_link_sql(i, f)
        return len(ids)

    def remove_link(self, link_id: str) -> None:
        self._writable()
        self._cur.execute(
            "DELETE FROM links WHERE document_id = %s AND id = %s", (self.document_id, link_id)
        )
        if self._cur.rowcount != 1:
            raise NotFound("no such link")
        self._link_versions.pop(link_id, None)

    # history: append-only
    def history(self) -> list[Record]:
        return [
            r[0]
            for r in self._cur.execute(
                "SELECT data FROM history WHERE document_id = %s ORDER BY seq", (self.document_id,)
            )
        ]

    def append_history(self, entry: Record) -> None:
        self._writable()
        self._cur.execute(
            "INSERT INTO history (document_id, time, action, actor, data) VALUES (%s, %s, %s, %s, %s)",
            (
                self.document_id,
                str(entry.get("time") or ""),
                str(entry.get("action") or ""),
                str(entry.get("actor") or ""),
                _jsonb(entry),
            ),
        )

    # review lock: a row, read FOR UPDATE inside a write transaction
    def lock(self) -> Record | None:
        sql = "SELECT data FROM review_locks WHERE document_id = %s"
        if self._write:
            sql += " FOR UPDATE"
        row = self._cur.execute(sql, (self.document_id,)).fetchone()  # type: ignore[arg-type]
        return row[0] if row else None

    def set_lock(self, lock: Record | None) -> None:
        self._writable()
        if lock is None:
            self._cur.execute(
                "DELETE FROM review_locks WHERE document_id = %s", (self.document_id,)
            )
            return
        self._cur.execute(
            "INSERT INTO review_locks (document_id, holder, touched_at, data) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (document_id) DO UPDATE SET holder = EXCLUDED.holder,"
            " touched_at = EXCLUDED.touched_at, data = EXCLUDED.data",
            (
                self.document_id,
                str(lock.get("holder") or ""),
                str(lock.get("touched_at") or ""),
                _jsonb(lock),
            ),
        )

    # coverage assessments
    def assessments(self, version: int) -> list[Record]:
        return [
            r[0]
            for r in self._cur.execute(
                "SELECT data FROM assessments WHERE document_id = %s AND version = %s"
                " ORDER BY competency",
                (self.document_id, int(version)),
            )
        ]

    def set_assessment(self, version: int, competency: str, record: Record | None) -> None:
        self._writable()
        if record is None:
            self._cur.execute(
                "DELETE FROM assessments WHERE document_id = %s AND version = %s AND competency = %s",
                (self.document_id, int(version), competency),
            )
            return
        data = {**record, "version": version, "competency": competency}
        self._cur.execute(
            "INSERT INTO assessments (document_id, version, competency, data) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (document_id, version, competency) DO UPDATE SET data = EXCLUDED.data",
            (self.document_id, int(version), competency, _jsonb(data)),
        )
