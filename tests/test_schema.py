"""The JSON Schema: generated from the model, accepting what the loader accepts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given
from pydantic import BaseModel

from pathways.cli import main
from pathways.docgen import format_reference
from pathways.load import parse_document
from pathways.model import Pathway
from pathways.schema import json_schema
from tests.test_model import documents

FILES = [*sorted(Path("pathways").rglob("*.yaml")), Path("tests/data/load/valid/minimal.yaml")]


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(i) for i in x]
    if isinstance(x, dt.date):
        return x.isoformat()
    return x


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", FILES, ids=str)
def test_schema_accepts_valid_files(path: Path, validator: jsonschema.Draft202012Validator) -> None:
    """Every file the loader accepts, the schema accepts too (editors show no false errors)."""
    data, _ = parse_document(path.read_text(encoding="utf-8"))
    assert [e.message for e in validator.iter_errors(_plain(data))] == []


@given(documents())
def test_schema_accepts_generated_documents(doc: dict[str, Any]) -> None:
    """Generated valid documents validate against the schema."""
    schema = json_schema()
    jsonschema.validate(_plain(yaml.safe_load(yaml.safe_dump(doc))), schema)


def test_schema_refuses_unknown_keys_and_bad_durations(
    validator: jsonschema.Draft202012Validator,
) -> None:
    """Unknown keys and unreadable durations are schema errors, as they are PW002/PW006."""
    data, _ = parse_document(Path("tests/data/load/valid/minimal.yaml").read_text())
    data = _plain(data)
    data["steps"][0]["colour"] = "red"
    data["steps"][1]["duration"] = "3 days"
    messages = [e.message for e in validator.iter_errors(data)]
    assert any("colour" in m for m in messages)
    assert len(messages) == 2


def test_schema_command_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """`pathways schema` prints the same schema, as JSON."""
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema()


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> None:
    seen.add(model)
    for info in model.model_fields.values():
        for arg in _flatten(info.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and arg not in seen:
                _models(arg, seen)


def _flatten(annotation: Any) -> list[Any]:
    out = [annotation]
    for arg in getattr(annotation, "__args__", ()) or ():
        out.extend(_flatten(arg))
    return out


def test_format_reference_lists_every_field() -> None:
    """The generated format reference names every key of every model (except durations)."""
    page = format_reference()
    models: set[type[BaseModel]] = set()
    _models(Pathway, models)
    for model in models:
        if model.__name__ == "Duration":
            continue
        assert f"## {model.__name__}" in page
        for name, info in model.model_fields.items():
            assert f"| `{info.alias or name}` |" in page, (model.__name__, name)
