"""Filling a GraphQL type (or any dataclass) from an object with the same field names."""

import dataclasses
from typing import Any, TypeVar

TypeT = TypeVar("TypeT")


def filled(graphql_type: type[TypeT], source: object, **computed: Any) -> TypeT:
    """A `graphql_type` (a dataclass) with each field taken from `source`'s attribute of that
    name, but those given in `computed` (ids, conversions, fields the source lacks)."""
    values = {
        field.name: computed[field.name] if field.name in computed else getattr(source, field.name)
        for field in dataclasses.fields(graphql_type)  # type: ignore[arg-type]
        if field.init
    }
    return graphql_type(**values)
