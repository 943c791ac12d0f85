"""Relay global ids: the one place that turns them into the UUIDs services use, and back."""

from uuid import UUID

import strawberry
from strawberry import relay

from punte_gateway.graphql.errors import not_found


def parse_uuid(value: str) -> UUID | None:
    """The UUID in a node id, or None when it is not one."""
    try:
        return UUID(value)
    except ValueError:
        return None


def uuid_or_none(global_id: relay.GlobalID, type_name: str) -> UUID | None:
    """The UUID inside a global id of `type_name`, or None for any other id."""
    return parse_uuid(global_id.node_id) if global_id.type_name == type_name else None


def uuid_of(global_id: relay.GlobalID, type_name: str) -> UUID:
    """The UUID inside a global id of `type_name`; any other id is simply not found."""
    found = uuid_or_none(global_id, type_name)
    if found is None:
        raise not_found(type_name, global_id)
    return found


def global_id(type_name: str, value: UUID) -> strawberry.ID:
    """The Relay global id of an object that is not a node (yet)."""
    return strawberry.ID(relay.to_base64(type_name, str(value)))


def plain_global_id(value: str, type_name: str) -> relay.GlobalID:
    """A global id given as a plain ID (types that are not nodes)."""
    try:
        return relay.GlobalID.from_id(value)
    except ValueError:  # a malformed id is simply one naming nothing
        return relay.GlobalID(type_name="", node_id=value)


class InputIds:
    """Decodes an input's global ids, remembering which input field each came from.

    `user_errors(error, ids.paths)` then points an unknown id at the field that held it.
    """

    def __init__(self) -> None:
        self.paths: dict[str, list[str]] = {}

    def __call__(self, global_id: relay.GlobalID, type_name: str, *path: str | int) -> UUID:
        where = ["input", *(str(p) for p in path)]
        value = uuid_or_none(global_id, type_name)
        self.paths.setdefault(str(value if value is not None else global_id), where)
        if value is None:
            raise not_found(type_name, global_id)
        return value
