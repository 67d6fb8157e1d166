"""The event catalogue is a contract with analysts and other services: these tests fail when
the committed docs or schema snapshots and the code disagree, or when a change breaks a
published version."""

import functools
import json
from pathlib import Path
from typing import Any

import pytest
from jobfriends_shared import catalogue_docs
from jobfriends_shared.contracts import CATALOGUE
from jobfriends_shared.contracts.base import Payload
from jobfriends_shared.schema_compat import breaking_changes
from jobfriends_shared.topics import TOPICS, topic
from pydantic import create_model

DOCS = Path(__file__).resolve().parents[3] / "docs"
REGENERATE = "regenerate with `make docs` (python -m jobfriends_shared.catalogue_docs)"


def test_every_event_type_belongs_to_a_catalogued_topic_owned_by_its_producer() -> None:
    for spec in CATALOGUE.values():
        owner = topic(spec.topic).producer
        assert spec.topic.startswith(f"{owner}."), spec.event_type


def test_every_topic_has_a_dead_letter_twin_and_a_key() -> None:
    for spec in TOPICS:
        assert spec.dead_letter == f"{spec.name}.dlt"
        assert spec.key


@functools.cache
def _expected_files() -> dict[str, str]:
    """Built once per run, not once per file: building the whole catalogue takes about half a
    second, which per file made these checks most of `make test-fast`'s time."""
    return catalogue_docs.expected_files()


@pytest.mark.parametrize("relative", sorted(_expected_files()))
def test_committed_catalogue_matches_the_code(relative: str) -> None:
    path = DOCS / relative
    assert path.exists(), f"docs/{relative} is missing: {REGENERATE}"
    assert path.read_text() == _expected_files()[relative], (
        f"docs/{relative} is stale: {REGENERATE}"
    )


@pytest.mark.parametrize("key", sorted(CATALOGUE), ids=lambda k: f"{k[0]}.v{k[1]}")
def test_no_change_breaks_a_published_schema_version(key: tuple[str, int]) -> None:
    spec = CATALOGUE[key]
    snapshot = DOCS / "schemas" / catalogue_docs.schema_file(spec)
    if not snapshot.exists():
        pytest.fail(f"{spec.event_type} v{spec.version} has no snapshot: {REGENERATE}")
    old = json.loads(snapshot.read_text())
    problems = breaking_changes(old, catalogue_docs.schema_of(spec))
    assert not problems, (
        f"{spec.event_type} v{spec.version} changed incompatibly: {problems}. "
        "Keep the old version and add a new one instead."
    )


@pytest.mark.parametrize("key", sorted(CATALOGUE), ids=lambda k: f"{k[0]}.v{k[1]}")
def test_every_event_type_has_a_valid_example(key: tuple[str, int]) -> None:
    spec = CATALOGUE[key]
    example = catalogue_docs.example_of(spec)
    assert spec.model.model_validate(example["payload"])
    assert example["key"] == str(example["payload"][spec.key_field])


def _schema(**fields: Any) -> dict[str, Any]:
    return create_model("Probe", __base__=Payload, **fields).model_json_schema()


def test_compatibility_check_allows_a_new_optional_field() -> None:
    old = _schema(user_id=(str, ...))
    new = _schema(user_id=(str, ...), city=(str | None, None))
    assert breaking_changes(old, new) == []


@pytest.mark.parametrize(
    ("new_fields", "problem"),
    [
        ({}, "payload.user_id: removed"),
        ({"user_id": (int, ...)}, "payload.user_id: type changed"),
        ({"user_id": (str, ...), "city": (str, ...)}, "payload.city: now required"),
    ],
)
def test_compatibility_check_refuses_breaking_changes(
    new_fields: dict[str, Any], problem: str
) -> None:
    old = _schema(user_id=(str, ...))
    assert problem in breaking_changes(old, _schema(**new_fields))
