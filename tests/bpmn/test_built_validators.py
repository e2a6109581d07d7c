"""``bpmn.importer._built`` makes Step, Transition, Agency, Role and Pathway objects without
pydantic (for speed), so a validator one of them gains later would be skipped on the fast
import path: this test fails until ``_built`` does it too and lists it in ``_REPLICATED``."""

from __future__ import annotations

import typing
from typing import Any

import pytest
from pydantic import AfterValidator, BaseModel, BeforeValidator, PlainValidator, WrapValidator

from pathways.bpmn import importer
from pathways.model import Agency, Pathway, Role, Step, Transition

_FUNCTIONAL = (AfterValidator, BeforeValidator, PlainValidator, WrapValidator)
_DECORATED = ("validators", "field_validators", "root_validators", "model_validators")


def _functions(metadata: typing.Iterable[Any]) -> set[str]:
    return {
        getattr(m.func, "__qualname__", repr(m.func))
        for m in metadata
        if isinstance(m, _FUNCTIONAL)
    }


def _in_type(annotation: Any) -> set[str]:
    """The functions of the validators inside a type (``Annotated``, unions, containers)."""
    found = _functions(getattr(annotation, "__metadata__", ()))
    for arg in typing.get_args(annotation):
        found |= _in_type(arg)
    return found


def declared(cls: type[BaseModel]) -> set[str]:
    """What pydantic would run for ``cls`` beyond types and constraints."""
    decorators = cls.__pydantic_decorators__
    found = {f"@{name}" for kind in _DECORATED for name in getattr(decorators, kind)}
    for name, field in cls.model_fields.items():
        functions = _in_type(field.annotation) | _functions(field.metadata)
        found |= {f"{name}: {function}" for function in functions}
    return found


@pytest.mark.parametrize("cls", [Step, Transition, Agency, Role, Pathway], ids=lambda c: c.__name__)
def test_built_replicates_every_validator(cls: type[BaseModel]) -> None:
    new = declared(cls) - importer._REPLICATED[cls.__name__]
    assert not new, (
        f"{cls.__name__} declares {sorted(new)}, which bpmn.importer._built does not do: it "
        "builds the model without pydantic. Do the same check in _built (or return None for "
        f"the documents it concerns), then add the names to _REPLICATED[{cls.__name__!r}]"
    )
    assert not importer._REPLICATED[cls.__name__] - declared(cls), "_REPLICATED lists a ghost"


def test_the_reader_sees_validators() -> None:
    """Each kind is found: decorated, and a function inside a field's (optional) type."""
    assert {"@_consistent", "@_default_event", "response_within: _hours"} <= declared(Transition)
    assert "version: <lambda>" in declared(Pathway)

    class Probe(BaseModel):
        x: typing.Annotated[int, AfterValidator(abs)] | None = None

    assert declared(Probe) == {"x: abs"}
