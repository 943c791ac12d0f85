"""GraphQL types and inputs derived from the services' contracts: one mechanism, no field lists.

    @derive.object_type(c.Organization, name="Organization", convert={"id": str})
    class OrganizationNode(derive.FromContract, relay.Node):
        id: relay.NodeID[str]                      # an override: declared, kept in its place

    OrganizationNode.of(org)                       # from the contract, nested values included

Every field of the contract becomes a field of the type, in the contract's order, with its
type translated (constrained strings to `str`, literals to the type of their values, nested
contracts to the type derived from them); a field declared in the class overrides it, `omit`
leaves fields out, `descriptions` documents them. `input_type` does the same for inputs, with
the contract's defaults; `values_of` turns a filled input back into contract values.
"""

import dataclasses
import inspect
import types
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from enum import Enum
from typing import (
    Annotated,
    Any,
    ClassVar,
    Literal,
    Self,
    TypeVar,
    Union,
    cast,
    get_args,
    get_origin,
)

import strawberry
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

T = TypeVar("T")

_OUTPUTS: dict[type[BaseModel], type[Any]] = {}
_INPUTS: dict[type[BaseModel], type[Any]] = {}


class FromContract:
    """Base of a derived object type: `Type.of(contract_value)` builds it."""

    _contract_fields: ClassVar[tuple[str, ...]] = ()
    _converters: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}

    @classmethod
    def of(cls, value: BaseModel) -> Self:
        """The GraphQL value of a contract value."""
        converters = cls._converters
        return cls(
            **{
                name: converters.get(name, _output_value)(getattr(value, name))
                for name in cls._contract_fields
            }
        )


def _output_value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _OUTPUTS[type(value)].of(value)
    if isinstance(value, list | tuple):
        return [_output_value(item) for item in value]
    return value


def _graphql_annotation(annotation: Any, registry: Mapping[type[BaseModel], type[Any]]) -> Any:
    """The GraphQL-side annotation of a contract field's annotation."""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        return _graphql_annotation(args[0], registry)
    if origin in (Union, types.UnionType):
        return Union[tuple(_graphql_annotation(arg, registry) for arg in args)]  # noqa: UP007
    if origin is list:
        return list[_graphql_annotation(args[0], registry)]  # type: ignore[misc]
    if origin is Literal:
        return type(args[0])  # an enum's members, or strings
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return registry[annotation]
    if isinstance(annotation, type) and issubclass(annotation, datetime):
        return datetime  # pydantic's AwareDatetime and the like
    return annotation


def _derive(
    cls: type[Any],
    contract: type[BaseModel],
    registry: Mapping[type[BaseModel], type[Any]],
    *,
    omit: Collection[str],
    descriptions: Mapping[str, str],
    with_defaults: bool,
) -> list[str]:
    """Give `cls` the contract's fields it does not declare; the names taken from the contract."""
    declared = dict(inspect.get_annotations(cls))
    annotations: dict[str, Any] = {}
    taken: list[str] = []
    for name, field in contract.model_fields.items():
        if name in omit:
            continue
        taken.append(name)
        description = descriptions.get(name)
        if name in declared:
            annotations[name] = declared.pop(name)
            if description is not None and name not in cls.__dict__:
                setattr(cls, name, strawberry.field(description=description))
            continue
        annotations[name] = _graphql_annotation(field.annotation, registry)
        if with_defaults and field.default_factory is not None:
            setattr(
                cls,
                name,
                strawberry.field(
                    default_factory=field.default_factory,
                    description=description,
                ),
            )
        elif with_defaults and field.default is not PydanticUndefined:
            setattr(cls, name, strawberry.field(default=field.default, description=description))
        elif description is not None:
            setattr(cls, name, strawberry.field(description=description))
    annotations.update(declared)
    cls.__annotations__ = annotations
    return taken


def object_type(
    contract: type[BaseModel],
    *,
    name: str | None = None,
    description: str | None = None,
    omit: Collection[str] = (),
    descriptions: Mapping[str, str] | None = None,
    convert: Mapping[str, Callable[[Any], Any]] | None = None,
) -> Callable[[type[T]], type[T]]:
    """A strawberry object type with the contract's fields; `convert` maps a field's contract
    value where the GraphQL value differs (a global id, say)."""

    def decorate(cls: type[T]) -> type[T]:
        taken = _derive(
            cls, contract, _OUTPUTS, omit=omit, descriptions=descriptions or {}, with_defaults=False
        )
        built = strawberry.type(cls, name=name, description=description)
        built._contract_fields = tuple(taken)  # type: ignore[attr-defined]
        built._converters = dict(convert or {})  # type: ignore[attr-defined]
        _OUTPUTS.setdefault(contract, built)
        return built

    return decorate


def input_type(
    contract: type[BaseModel],
    *,
    name: str | None = None,
    description: str | None = None,
    omit: Collection[str] = (),
    descriptions: Mapping[str, str] | None = None,
) -> Callable[[type[T]], type[T]]:
    """A strawberry input type with the contract's fields and defaults."""

    def decorate(cls: type[T]) -> type[T]:
        _derive(
            cls, contract, _INPUTS, omit=omit, descriptions=descriptions or {}, with_defaults=True
        )
        built = strawberry.input(cls, name=name, description=description)
        _INPUTS.setdefault(contract, built)
        return built

    return decorate


def enum_of(literal: Any, name: str, description: str) -> type[Enum]:
    """A GraphQL enum of a contract's `Literal` of names (values kept, members in UPPER_CASE)."""
    members = {value.upper(): value for value in get_args(literal)}
    return strawberry.enum(cast(type[Enum], Enum(name, members)), description=description)


def _contract_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [_contract_value(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _contract_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


@strawberry.input(description="An input whose mutation a retry may repeat safely.")
class IdempotentInput:
    idempotency_key: str | None = strawberry.field(
        default=None,
        description=(
            "A key of the caller's choosing (up to 200 characters, e.g. a UUID): a retry "
            "with the same key (after a timeout, say) returns the first answer instead of "
            "acting twice"
        ),
    )


def values_of(input: object, *skip: str) -> dict[str, Any]:
    """A filled input's fields as contract values (enums by value, nested inputs as dicts),
    but those in `skip` and the idempotency key, which travels beside the body."""
    assert dataclasses.is_dataclass(input)
    assert not isinstance(input, type)
    return {
        f.name: _contract_value(getattr(input, f.name))
        for f in dataclasses.fields(input)
        if f.name not in skip and f.name != "idempotency_key"
    }
