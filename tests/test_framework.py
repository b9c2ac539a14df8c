"""The shipped framework data and the loader's validation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from review.config import FRAMEWORKS_DIR
from review.errors import FrameworkError
from review.framework import (
    framework_from_csv,
    framework_to_yaml,
    get_framework,
    load_framework,
    parse_framework_text,
)

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
CORE = ["C1", "C2", "C3", "C4", "C5", "C6"]
SKILLS = [f"C6.{r}" for r in ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi"]]
ADVANCED = [f"A{n}" for n in range(1, 13)]


def _squash(text: str) -> str:
    text = text.replace("’", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def fw():
    return get_framework("wisconsin-2017")


def test_all_29_items_with_ids_tiers_and_parents(fw):
    assert [it.id for it in fw.items] == CORE + SKILLS + ADVANCED
    for it in fw.items:
        expected_tier = "advanced" if it.id.startswith("A") else "core"
        assert it.tier == expected_tier, it.id
        assert it.parent == ("C6" if it.id.startswith("C6.") else None), it.id
    assert [it.id for it in fw.required_items("general")] == CORE + SKILLS
    assert len(fw.required_items("specialised")) == 29


def test_statements_are_verbatim_from_the_seed(fw):
    seed_path = SEEDS / "wisconsin-core-competencies-2017.md"
    if not seed_path.exists():
        pytest.skip("shared/seeds not present")
    seed = _squash(seed_path.read_text(encoding="utf-8"))
    for it in fw.items:
        assert _squash(it.statement) in seed, f"{it.id} statement is not verbatim"
        assert len(it.statement.split()) >= 8, it.id


def test_every_item_has_phrases_a_recommendation_and_valid_training(fw):
    module_ids = {m.id for m in fw.training_modules}
    assert module_ids == {f"HT101-{n}" for n in range(1, 7)}
    used = set()
    for it in fw.items:
        assert len(it.all_phrases) >= 8, it.id
        assert len(set(p.lower() for p in it.all_phrases)) == len(it.all_phrases), it.id
        assert it.strong_phrases, f"{it.id} has no strong phrase: nothing alone would suggest it"
        assert it.recommendation and it.recommendation.endswith("."), it.id
        assert set(it.training) <= module_ids, it.id
        used.update(it.training)
    assert used == module_ids, "every training module closes some gap"
    # DESIGN: the six modules map to C1, A3-A6 and C2
    for cid in ("C1", "C2", "A3", "A4", "A5", "A6"):
        assert fw.item(cid).training, cid


def test_domain_phrases_present(fw):
    """A few anchors of the field's vocabulary the matcher relies on."""
    assert "mandated reporter" in fw.item("C3").strong_phrases
    assert "vicarious trauma" in fw.item("C5").strong_phrases
    assert "employee assistance program" in fw.item("C5").strong_phrases
    assert "confidential location" in fw.item("A10").strong_phrases
    assert "missing from care" in fw.item("A11").strong_phrases


def _base(**item_overrides):
    item = {
        "id": "X1",
        "label": "X 1",
        "tier": "core",
        "statement": "Do the thing.",
        "phrases": ["thing"],
    }
    item.update(item_overrides)
    return {"id": "fx", "title": "FX", "version": "1", "items": [item]}


def _write(tmp_path: Path, raw, name="fx.yaml") -> Path:
    p = tmp_path / name
    p.write_text(raw if isinstance(raw, str) else yaml.safe_dump(raw), encoding="utf-8")
    return p


def test_valid_minimal_file_loads(tmp_path):
    fw = load_framework(_write(tmp_path, _base()))
    assert fw.item("X1").phrases == ("thing",)
    assert fw.item("X1").all_phrases == ("thing",)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"id": None}, ["item #1", "no id"]),
        ({"statement": "  "}, ["item X1", "empty statement"]),
        ({"parent": "NOPE"}, ["item X1", "unknown parent"]),
        ({"tier": "expert"}, ["item X1", "tier"]),
        ({"training": ["T9"]}, ["item X1", "T9"]),
        ({"strong_phrases": {"a": 1}}, ["item X1", "strong_phrases"]),
    ],
)
def test_malformed_item_names_file_and_item(tmp_path, change, words):
    raw = _base(**change)
    with pytest.raises(FrameworkError) as err:
        load_framework(_write(tmp_path, raw))
    msg = str(err.value)
    assert "fx.yaml" in msg
    for w in words:
        assert w in msg


def test_duplicate_id_is_refused(tmp_path):
    raw = _base()
    raw["items"].append(dict(raw["items"][0]))
    with pytest.raises(FrameworkError, match=r"fx\.yaml: item X1 is a duplicate id"):
        load_framework(_write(tmp_path, raw))


def test_bad_yaml_is_refused(tmp_path):
    with pytest.raises(FrameworkError, match=r"fx\.yaml: not valid yaml"):
        load_framework(_write(tmp_path, "id: fx\nitems: [unclosed\n"))


def test_not_a_mapping_and_no_items(tmp_path):
    with pytest.raises(FrameworkError, match="mapping"):
        load_framework(_write(tmp_path, "- just a list\n"))
    with pytest.raises(FrameworkError, match="no items"):
        load_framework(_write(tmp_path, {"id": "fx", "items": []}))


def test_csv_import_with_plain_and_strong_phrases(tmp_path):
    text = (
        "framework_id,framework_title,framework_version,id,label,tier,parent,statement,phrases,strong_phrases\n"
        "csvfw,CSV framework,2,K1,Key 1,core,,Keep records safe.,records;files,locked cabinet\n"
        "csvfw,CSV framework,2,K2,Key 2,advanced,K1,Train staff.,training; staff ;,\n"
    )
    fw = load_framework(_write(tmp_path, text, "import.csv"))
    assert fw.id == "csvfw" and fw.version == "2"
    assert fw.item("K1").phrases == ("records", "files")
    assert fw.item("K1").strong_phrases == ("locked cabinet",)
    assert fw.item("K2").phrases == ("training", "staff")
    assert fw.item("K2").parent == "K1"
    # round trip through the YAML format keeps every phrase strength
    again = parse_framework_text(framework_to_yaml(fw), "again.yaml")
    assert again.items == fw.items


def test_csv_errors_name_the_file_and_item():
    with pytest.raises(FrameworkError, match=r"bad\.csv: the CSV lacks column\(s\) statement"):
        framework_from_csv("framework_id,id\nf,K1\n", "bad.csv")
    text = "framework_id,id,statement\nf,K1,Do it.\nf,K1,Again.\n"
    with pytest.raises(FrameworkError, match=r"bad\.csv: item K1 is a duplicate id"):
        framework_from_csv(text, "bad.csv")
    with pytest.raises(FrameworkError, match=r"bad\.csv: item K2 has an empty statement"):
        framework_from_csv("framework_id,id,statement\nf,K2,\n", "bad.csv")


def test_shipped_yaml_round_trips(fw):
    again = parse_framework_text(framework_to_yaml(fw), "rt.yaml")
    assert again.items == fw.items
    assert (FRAMEWORKS_DIR / "wisconsin-2017.yaml").exists()


def test_unknown_framework_id():
    with pytest.raises(FrameworkError, match="no framework with id 'nope'"):
        get_framework("nope")
