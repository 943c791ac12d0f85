"""The answers of `/api/v1`, typed so OpenAPI documents them: JSON keys in camelCase."""

import copy
import operator
from datetime import datetime
from functools import cache, reduce
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin
from uuid import UUID

from pydantic import BaseModel, ConfigDict, PlainSerializer, create_model
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    """A body of this API: snake_case in Python, camelCase on the wire."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


@cache
def camel_model(contract: type[BaseModel]) -> type[ApiModel]:
    """A contract as this API spells it: the same fields and checks, camelCase keys (nested
    contracts too), so a route answering the contract declares `response_model=` this."""
    fields: dict[str, Any] = {
        name: (_camel_type(info.annotation), copy.deepcopy(info))
        for name, info in contract.model_fields.items()
    }
    return create_model(contract.__name__, __base__=ApiModel, __doc__=contract.__doc__, **fields)


def _camel_type(annotation: Any) -> Any:
    """The annotation with every contract in it replaced by its camelCase model."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return camel_model(annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is None or not args:
        return annotation
    if origin is Annotated:
        return Annotated[(_camel_type(args[0]), *annotation.__metadata__)]
    inner = tuple(_camel_type(a) for a in args)
    if origin is UnionType:
        return reduce(operator.or_, inner)
    if origin is Union:
        return Union[inner]  # noqa: UP007 (a runtime union of computed members)
    return origin[inner]


# Instants as Python writes them (`+00:00`), as this API always has.
IsoInstant = Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str)]


class CallingKey(ApiModel):
    """The API key making the call."""

    id: UUID
    name: str
    owner: str
    prefix: str
    scopes: list[str]
    expires_at: IsoInstant


class ServiceHealth(ApiModel):
    """One service's state, as it reported over NATS."""

    service: str
    status: str
    version: str | None
    latency_ms: float | None
    detail: str


class Health(ApiModel):
    """The deployment's state: ok when every service is."""

    status: str
    services: list[ServiceHealth]


# What an export answers: the file itself.
SPREADSHEET_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file, as an attachment; `X-Punte-Rows` says how many rows",
        "content": {
            media_type: {"schema": {"type": "string", "format": "binary"}}
            for media_type in (
                "text/csv",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        },
    }
}
