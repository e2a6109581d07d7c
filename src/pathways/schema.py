"""The JSON Schema of the pathway file format, generated from the model."""

from __future__ import annotations

from typing import Any

__all__ = ["json_schema"]

SCHEMA_ID = "https://pathways.invalid/schema/pathways-1.json"


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a ``pathways/1`` file, for yaml-language-server.

    Examples
    --------
    >>> from pathways.schema import json_schema
    >>> json_schema()["properties"]["format"]["const"]
    'pathways/1'
    """
    from pathways.model import Pathway

    schema = Pathway.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
