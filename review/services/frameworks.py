"""Frameworks: list, preview and import.

Part of :class:`review.services.core.ReviewService` (mixed in); each call takes the acting user
and checks permission itself.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from review.auth import Actor
from review.errors import ValidationFailed
from review.framework import Framework, framework_to_yaml, list_frameworks, parse_framework_text
from review.services.base import (
    _FRAMEWORK_ID,
    _FRAMEWORK_SUFFIXES,
    _MAX_FRAMEWORK_BYTES,
    _display_filename,
)
from review.services.views import FrameworkImport
from review.storage import atomic_write_bytes


class FrameworksMixin:
    """Frameworks: list, preview and import."""

    def list_frameworks(self, actor: Actor) -> list[Framework]:
        """The shipped frameworks and those an admin imported into the data directory."""
        self._current(actor)
        return list_frameworks(extra_dirs=(self.frameworks_dir,))

    def framework_imports(self, actor: Actor) -> list[FrameworkImport]:
        """Admin only: who imported which framework and when, newest first."""
        self._require_admin(actor)
        rows = [
            FrameworkImport(
                framework_id=r.get("framework_id", ""),
                title=r.get("title", ""),
                version=str(r.get("version", "")),
                filename=r.get("filename", ""),
                sha256=r.get("sha256", ""),
                items=int(r.get("items", 0)),
                imported_by=r.get("imported_by", ""),
                imported_at=r.get("imported_at", ""),
            )
            for r in self.repo.imports()
        ]
        return sorted(rows, key=lambda r: r.imported_at, reverse=True)

    def preview_framework(self, actor: Actor, filename: str, data: bytes) -> Framework:
        """Admin only: validate a framework file (YAML, JSON or CSV) without installing it, with
        the same checks as :meth:`import_framework`."""
        self._require_admin(actor)
        fw = self._parse_framework_upload(filename, data)
        self._check_framework_id(fw)
        return fw

    def import_framework(self, actor: Actor, filename: str, data: bytes) -> Framework:
        """Admin only: validate a framework file and install it as
        ``<data_dir>/frameworks/<id>.yaml`` (atomically), recording who imported it and when.

        Refused: an id a shipped framework uses (reviews made against it would change meaning),
        an id already installed (same reason: reviews record the id; give a new edition a new
        id), and ids that are not plain file names."""
        a = self._require_admin(actor)
        fw = self._parse_framework_upload(filename, data)
        self._check_framework_id(fw)
        text = framework_to_yaml(fw)
        # what is written must load back the same way the app will load it
        parse_framework_text(text, f"{fw.id}.yaml", suffix=".yaml")
        self.frameworks_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.frameworks_dir / f"{fw.id}.yaml", text.encode("utf-8"))
        self.repo.add_import(
            {
                "framework_id": fw.id,
                "title": fw.title,
                "version": fw.version,
                "filename": _display_filename(filename),
                "sha256": hashlib.sha256(data).hexdigest(),
                "items": len(fw.items),
                "imported_by": a.username,
                "imported_at": self._now(),
            }
        )
        self._audit(a.username, "framework_import", target=fw.id, after={"version": fw.version})
        return self.framework(fw.id)

    @staticmethod
    def _parse_framework_upload(filename: str, data: bytes) -> Framework:
        suffix = Path(filename).suffix.lower()
        if suffix not in _FRAMEWORK_SUFFIXES:
            raise ValidationFailed(
                f"{_display_filename(filename)}: a framework file is .yaml, .yml, .json or .csv"
            )
        if len(data) > _MAX_FRAMEWORK_BYTES:
            raise ValidationFailed(
                f"{_display_filename(filename)}: a framework file is at most "
                f"{_MAX_FRAMEWORK_BYTES // (1024 * 1024)} MB"
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed(
                f"{_display_filename(filename)}: the file is not UTF-8 text"
            ) from None
        return parse_framework_text(text, _display_filename(filename), suffix=suffix)

    def _check_framework_id(self, fw: Framework) -> None:
        if not _FRAMEWORK_ID.fullmatch(fw.id):
            raise ValidationFailed(
                f"the framework id {fw.id!r} must be letters, digits, '.', '_' or '-' "
                "(at most 64, starting with a letter or digit): it becomes a file name"
            )
        key = fw.id.casefold()
        if any(f.id.casefold() == key for f in list_frameworks()):
            raise ValidationFailed(
                f"the id {fw.id!r} belongs to a framework shipped with the application; "
                "reviews made against it must keep their meaning, so give the import another id"
            )
        if any(f.id.casefold() == key for f in list_frameworks(extra_dirs=(self.frameworks_dir,))):
            raise ValidationFailed(
                f"a framework with the id {fw.id!r} is already installed; reviews record the id, "
                "so a new edition needs a new id (e.g. add the version to it)"
            )
