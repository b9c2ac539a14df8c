"""Competency frameworks as data.

A framework file (YAML or JSON; CSV via :func:`framework_from_csv`) holds the framework's id,
title, version, its tiers with their targeted audience, optional training modules, and items::

    id: wisconsin-2017
    title: ...
    version: "2017-03-21"
    tiers: {core: {label: ..., audience: ...}, advanced: {...}}
    training_modules: [{id: HT101-1, title: ...}]
    items:
      - id: C5
        label: Competency 5
        title: Employment policies and vicarious trauma
        tier: core
        parent: null
        statement: Employment policies that reflect ...
        strong_phrases: [vicarious trauma, compassion fatigue, ...]   # optional
        phrases: [clinical supervision, traumatic event, ...]
        weak_phrases: [staff, stress, ...]                            # optional
        training: [HT101-1]
        recommendation: Adopt written employment policies that ...

:func:`load_framework` validates every rule and names the file and the item when one is broken.

Match phrases come in three strengths, because a single hit of "mandated reporter" is evidence while
a single "staff" is not: ``strong_phrases`` (one hit is enough for a suggestion), ``phrases``
(ordinary: need another hit for company) and ``weak_phrases`` (generic words that only add to other
hits). Only ``phrases`` is required; a framework with plain phrase lists (e.g. a CSV import) works
and the matcher then grades its phrases by length (see :mod:`review.matching`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from review.config import DEFAULT_FRAMEWORK_ID, FRAMEWORKS_DIR
from review.errors import FrameworkError

TIERS = ("core", "advanced")
#: which tiers a review must cover, by agency kind
TIERS_FOR_AGENCY_KIND = {"general": ("core",), "specialised": ("core", "advanced")}


@dataclass(frozen=True)
class TrainingModule:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Item:
    id: str
    label: str
    tier: str
    statement: str
    phrases: tuple[str, ...]
    parent: str | None = None
    title: str = ""  # a short name ("Rapport-building"); derived from the statement when absent
    group: str = ""
    training: tuple[str, ...] = ()
    recommendation: str = ""
    strong_phrases: tuple[str, ...] = ()  # one hit is evidence enough
    weak_phrases: tuple[str, ...] = ()  # generic words that only add to other hits
    #: the item's own condition from the labeling standard: a section is evidence only when one
    #: of these phrases is in view (in the section, or less strongly in its document), e.g.
    #: "commercial sexual exploitation" for A1-A8, "vicarious trauma" for C5
    requires: tuple[str, ...] = ()
    #: whether a definitions section can evidence the item (terms and forms of exploitation)
    definitions_count: bool = False
    #: the parts the statement names, each with its phrases (C2: child welfare, law enforcement,
    #: courts, schools ...): a section that addresses the item covers several of them
    facets: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def all_phrases(self) -> tuple[str, ...]:
        """Every match phrase of the item, strong first, without duplicates."""
        return tuple(dict.fromkeys((*self.strong_phrases, *self.phrases, *self.weak_phrases)))

    @property
    def short(self) -> str:
        """``"C5 – Employment policies and vicarious trauma"``: for tables and charts."""
        return f"{self.id} – {self.title}" if self.title else self.id


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    version: str
    items: tuple[Item, ...]
    source: str = ""
    tiers: dict[str, dict[str, str]] = field(default_factory=dict)
    training_modules: tuple[TrainingModule, ...] = ()
    path: str = ""

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def has_item(self, item_id: str) -> bool:
        return any(it.id == item_id for it in self.items)

    def items_for_tiers(self, tiers: Iterable[str]) -> tuple[Item, ...]:
        wanted = set(tiers)
        return tuple(it for it in self.items if it.tier in wanted)

    def items_for_tier_option(self, option: str) -> tuple[Item, ...]:
        """``"core"`` → core items only; ``"all"`` → core and advanced."""
        if option == "core":
            return self.items_for_tiers(("core",))
        if option == "all":
            return self.items
        raise ValueError(f"tier must be 'core' or 'all', not {option!r}")

    def required_items(self, agency_kind: str) -> tuple[Item, ...]:
        """The competencies a review must cover for an agency of this kind."""
        try:
            tiers = TIERS_FOR_AGENCY_KIND[agency_kind]
        except KeyError:
            raise ValueError(f"unknown agency kind {agency_kind!r}") from None
        return self.items_for_tiers(tiers)

    def training_module(self, module_id: str) -> TrainingModule | None:
        return next((m for m in self.training_modules if m.id == module_id), None)


# --------------------------------------------------------------------------- loading


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def framework_from_dict(raw: Any, source: str = "<data>") -> Framework:
    """Build and validate a framework from parsed YAML/JSON. ``source`` names it in errors."""
    if not isinstance(raw, dict):
        raise FrameworkError(f"{source}: a framework file must be a mapping with 'id' and 'items'")
    fid = _text(raw.get("id"))
    if not fid:
        raise FrameworkError(f"{source}: the framework has no 'id'")
    title = _text(raw.get("title")) or fid
    version = _text(raw.get("version")) or "1"
    raw_items = raw.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise FrameworkError(f"{source}: the framework {fid!r} has no items")

    modules: list[TrainingModule] = []
    for i, m in enumerate(raw.get("training_modules") or []):
        if not isinstance(m, dict) or not _text(m.get("id")) or not _text(m.get("title")):
            raise FrameworkError(f"{source}: training module #{i + 1} needs an id and a title")
        modules.append(
            TrainingModule(_text(m["id"]), _text(m["title"]), _text(m.get("description")))
        )
    module_ids = {m.id for m in modules}

    items: list[Item] = []
    seen: set[str] = set()
    for i, r in enumerate(raw_items):
        where = f"{source}: item #{i + 1}"
        if not isinstance(r, dict):
            raise FrameworkError(f"{where} is not a mapping")
        iid = _text(r.get("id"))
        if not iid:
            raise FrameworkError(f"{where} has no id")
        where = f"{source}: item {iid}"
        if iid in seen:
            raise FrameworkError(f"{where} is a duplicate id")
        seen.add(iid)
        statement = _text(r.get("statement"))
        if not statement:
            raise FrameworkError(f"{where} has an empty statement")
        tier = _text(r.get("tier")) or "core"
        if tier not in TIERS:
            raise FrameworkError(f"{where} has tier {tier!r}; use one of {', '.join(TIERS)}")
        phrases = _phrase_list(r, "phrases", where)
        strong_phrases = _phrase_list(r, "strong_phrases", where)
        weak_phrases = _phrase_list(r, "weak_phrases", where)
        requires = _phrase_list(r, "requires", where)
        raw_facets = r.get("facets") or {}
        if not isinstance(raw_facets, dict):
            raise FrameworkError(f"{where}: 'facets' must map a facet name to a list of phrases")
        facets = tuple(
            (str(name), _phrase_list(raw_facets, name, f"{where}, facet {name!r}"))
            for name in raw_facets
        )
        definitions_count = r.get("definitions_count", False)
        if not isinstance(definitions_count, bool):
            raise FrameworkError(f"{where}: 'definitions_count' must be true or false")
        training_raw = r.get("training") or []
        if isinstance(training_raw, str):
            training_raw = [t for t in training_raw.split(";")]
        training = tuple(_text(t) for t in training_raw if _text(t))
        unknown = [t for t in training if t not in module_ids]
        if unknown:
            raise FrameworkError(f"{where} names unknown training module(s): {', '.join(unknown)}")
        items.append(
            Item(
                id=iid,
                label=_text(r.get("label")) or iid,
                tier=tier,
                statement=statement,
                phrases=phrases,
                parent=_text(r.get("parent")) or None,
                title=_text(r.get("title")) or _derive_title(statement),
                group=_text(r.get("group")),
                training=training,
                recommendation=_text(r.get("recommendation")),
                strong_phrases=strong_phrases,
                weak_phrases=weak_phrases,
                requires=requires,
                definitions_count=definitions_count,
                facets=facets,
            )
        )
    for it in items:
        if it.parent and it.parent not in seen:
            raise FrameworkError(f"{source}: item {it.id} has unknown parent {it.parent!r}")
        if it.parent == it.id:
            raise FrameworkError(f"{source}: item {it.id} is its own parent")

    tiers: dict[str, dict[str, str]] = {}
    for name, t in (raw.get("tiers") or {}).items():
        if name not in TIERS or not isinstance(t, dict):
            raise FrameworkError(f"{source}: unknown tier {name!r}")
        tiers[name] = {k: _text(v) for k, v in t.items()}

    return Framework(
        id=fid,
        title=title,
        version=version,
        items=tuple(items),
        source=_text(raw.get("source")),
        tiers=tiers,
        training_modules=tuple(modules),
        path=source,
    )


def _phrase_list(r: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    """A list of phrases (or one ``;``-separated string, as CSV cells hold), trimmed, de-duplicated."""
    raw = r.get(key) or []
    if isinstance(raw, str):
        raw = raw.split(";")
    if not isinstance(raw, list) or not all(isinstance(p, (str, int, float)) for p in raw):
        raise FrameworkError(f"{where}: '{key}' must be a list of strings")
    return tuple(dict.fromkeys(_text(p) for p in raw if _text(p)))


def _derive_title(statement: str) -> str:
    head = statement.split(":", 1)[0] if ":" in statement[:60] else statement
    words = head.split()
    return " ".join(words[:8]) + ("…" if len(words) > 8 else "")


def load_framework(path: str | Path) -> Framework:
    """Load and validate a framework file (.yaml, .yml, .json or .csv)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError(f"{p}: cannot read the framework file ({exc})") from exc
    return parse_framework_text(text, p.name if p.suffix else str(p), suffix=p.suffix.lower())


def parse_framework_text(text: str, source: str, suffix: str = ".yaml") -> Framework:
    """Parse framework text from an upload (admin import) or a file."""
    if suffix == ".csv":
        return framework_from_csv(text, source)
    try:
        raw = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise FrameworkError(f"{source}: not valid {suffix.lstrip('.') or 'YAML'} ({exc})") from exc
    return framework_from_dict(raw, source)


def framework_from_csv(text: str, source: str) -> Framework:
    """A CSV framework: one row per item with columns
    ``framework_id, framework_title, framework_version, id, label, tier, parent, statement,
    phrases`` (phrases separated by ``;``); optional ``title``, ``group``, ``recommendation``,
    ``strong_phrases``, ``weak_phrases``, ``training``."""
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    if not rows:
        raise FrameworkError(f"{source}: the CSV has no rows")
    missing = {"framework_id", "id", "statement"} - set(reader.fieldnames or [])
    if missing:
        raise FrameworkError(f"{source}: the CSV lacks column(s) {', '.join(sorted(missing))}")
    first = rows[0]
    raw = {
        "id": first.get("framework_id"),
        "title": first.get("framework_title"),
        "version": first.get("framework_version"),
        "items": [
            {
                k: (v if v != "" else None)
                for k, v in row.items()
                if k and not k.startswith("framework_")
            }
            for row in rows
        ],
    }
    return framework_from_dict(raw, source)


def framework_to_yaml(fw: Framework) -> str:
    """Serialise a framework (e.g. one imported from CSV) to the YAML file format."""
    raw: dict[str, Any] = {
        "id": fw.id,
        "title": fw.title,
        "version": fw.version,
        "source": fw.source,
        "tiers": fw.tiers,
        "training_modules": [
            {"id": m.id, "title": m.title, "description": m.description}
            for m in fw.training_modules
        ],
        "items": [
            {
                "id": it.id,
                "label": it.label,
                "title": it.title,
                "tier": it.tier,
                "group": it.group,
                "parent": it.parent,
                "statement": it.statement,
                "strong_phrases": list(it.strong_phrases),
                "phrases": list(it.phrases),
                "weak_phrases": list(it.weak_phrases),
                "requires": list(it.requires),
                "definitions_count": it.definitions_count,
                "facets": {name: list(ph) for name, ph in it.facets},
                "training": list(it.training),
                "recommendation": it.recommendation,
            }
            for it in fw.items
        ],
    }
    return yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=100)


def framework_paths(extra_dirs: Iterable[Path] = ()) -> list[Path]:
    """Framework files shipped in ``data/frameworks`` and in any extra directory."""
    out: list[Path] = []
    for d in (FRAMEWORKS_DIR, *extra_dirs):
        if d.is_dir():
            out.extend(
                sorted(p for p in d.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json"))
            )
    return out


@lru_cache(maxsize=32)
def _load_cached(path: str, mtime_ns: int) -> Framework:
    return load_framework(path)


def get_framework(
    framework_id: str = DEFAULT_FRAMEWORK_ID, extra_dirs: Iterable[Path] = ()
) -> Framework:
    """The framework with this id from the shipped directory (or extra ones); cached per file."""
    for p in framework_paths(tuple(extra_dirs)):
        if p.stem == framework_id:
            fw = _load_cached(str(p), p.stat().st_mtime_ns)
            if fw.id == framework_id:
                return fw
    for p in framework_paths(tuple(extra_dirs)):
        fw = _load_cached(str(p), p.stat().st_mtime_ns)
        if fw.id == framework_id:
            return fw
    raise FrameworkError(f"no framework with id {framework_id!r}")


def list_frameworks(extra_dirs: Iterable[Path] = ()) -> list[Framework]:
    return [_load_cached(str(p), p.stat().st_mtime_ns) for p in framework_paths(tuple(extra_dirs))]
