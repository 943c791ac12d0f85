"""Merging duplicate organisations or people, and undoing a merge."""

from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_platform.errors import ServiceError
from strawberry import relay
from strawberry.types import Info

from punte_gateway.auth.permissions import Permission
from punte_gateway.contacts.types import OrganizationNode, PersonNode
from punte_gateway.graphql import derive
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.derive import IdempotentInput
from punte_gateway.graphql.errors import UserError, user_errors
from punte_gateway.graphql.ids import InputIds, global_id, plain_global_id
from punte_gateway.graphql.loaders import ServiceNode
from punte_gateway.graphql.permissions import require
from punte_gateway.graphql.service_mutations import send_input

WRITE = Permission.CONTACTS_WRITE

strawberry.enum(c.MergeEntity)


OrganizationMergeField = derive.enum_of(
    c.OrganizationMergeField,
    "OrganizationMergeField",
    "Organisation fields a merge may take from the secondary.",
)
PersonMergeField = derive.enum_of(
    c.PersonMergeField, "PersonMergeField", "Person fields a merge may take from the secondary."
)


@strawberry.input(
    description=(
        "Merge the secondary organisation into the primary. The primary keeps its fields but "
        "those in takeFromSecondary; tags, e-mails and phones are united; affiliations and "
        "interactions move. Both versions must be the ones read."
    )
)
class MergeOrganizationsInput(IdempotentInput):
    primary_id: relay.GlobalID
    primary_expected_version: int
    secondary_id: relay.GlobalID
    secondary_expected_version: int
    take_from_secondary: list[OrganizationMergeField] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list
    )


@strawberry.input(
    description=(
        "Merge the secondary person into the primary (as for organisations); affiliations, "
        "interactions and consent history move."
    )
)
class MergePeopleInput(IdempotentInput):
    primary_id: relay.GlobalID
    primary_expected_version: int
    secondary_id: relay.GlobalID
    secondary_expected_version: int
    take_from_secondary: list[PersonMergeField] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list
    )


@strawberry.input(description="The merge to undo, by the mergeId a merge returned.")
class UndoMergeInput:
    merge_id: strawberry.ID


@strawberry.type(description="A merge done: what it moved; its id is what undoMerge takes.")
class Merge:
    id: strawberry.ID = strawberry.field(description="Global id, for undoMerge")
    entity: c.MergeEntity
    moved_affiliations: int
    moved_interactions: int
    moved_consents: int
    merged_at: datetime

    @classmethod
    def of(cls, result: c.MergeResult) -> "Merge":
        return cls(
            id=global_id("Merge", result.merge_id),
            entity=result.entity,
            moved_affiliations=result.moved_affiliations,
            moved_interactions=result.moved_interactions,
            moved_consents=result.moved_consents,
            merged_at=result.merged_at,
        )


@strawberry.type(description="The answer of mergeOrganizations.")
class MergeOrganizationsPayload:
    merge: Merge | None
    primary: OrganizationNode | None = strawberry.field(description="As it is after the merge")
    secondary: OrganizationNode | None = strawberry.field(
        description="Now MERGED, with mergedIntoId"
    )
    user_errors: list[UserError]


@strawberry.type(description="The answer of mergePeople.")
class MergePeoplePayload:
    merge: Merge | None
    primary: PersonNode | None = strawberry.field(description="As it is after the merge")
    secondary: PersonNode | None = strawberry.field(description="Now with mergedIntoId")
    user_errors: list[UserError]


@strawberry.type(description="The answer of undoMerge: both records as restored.")
class UndoMergePayload:
    merge_id: strawberry.ID | None
    entity: c.MergeEntity | None
    undone_at: datetime | None
    primary: relay.Node | None = strawberry.field(description="An Organization or a Person")
    secondary: relay.Node | None = strawberry.field(description="An Organization or a Person")
    user_errors: list[UserError]


def _merge_errors(error: ServiceError, ids: dict[str, list[str]]) -> list[UserError]:
    """A stale version points at the expectedVersion of the record it names."""
    role = error.body.details.get("role")
    if error.code is ErrorCode.CONFLICT and role in ("primary", "secondary"):
        return [UserError.of(error.code, error.body.message, ["input", f"{role}ExpectedVersion"])]
    return user_errors(error, ids)


def _undo_errors(error: ServiceError, ids: dict[str, list[str]]) -> list[UserError]:
    """Conflicts of an undo are the merge's (undone already, records changed since)."""
    if error.code is ErrorCode.CONFLICT:
        return [UserError.of(error.code, error.body.message, ["input", "mergeId"])]
    return user_errors(error, ids)


async def _both(
    context: GraphQLContext, node: type[ServiceNode], primary: UUID, secondary: UUID
) -> list[Any]:
    """Both records' nodes as stored now, in one `get_many` (never a cached copy from
    earlier); None for one that is gone."""
    found = await context.client.get_many(node.read_by, [primary, secondary])
    return [node.of(found[i]) if i in found else None for i in (primary, secondary)]


async def _merge(
    context: GraphQLContext,
    contract: type[c.MergeOrganizations] | type[c.MergePeople],
    node: type[ServiceNode],
    input: MergeOrganizationsInput | MergePeopleInput,
) -> tuple[Merge | None, Any, Any, list[UserError]]:
    """Send a merge; what it did and both records after it, or the user errors."""
    type_name = node.type_name()
    result, errors = await send_input(
        context,
        contract,
        lambda ids: _merge_input(input, type_name, ids),
        _merge_errors,
        input=input,
    )
    if result is None:
        return None, None, None, errors
    primary, secondary = await _both(context, node, result.primary_id, result.secondary_id)
    return Merge.of(result), primary, secondary, []


def _merge_input(
    input: MergeOrganizationsInput | MergePeopleInput, type_name: str, ids: InputIds
) -> dict[str, Any]:
    return {
        **derive.values_of(input),
        "primary_id": ids(input.primary_id, type_name, "primaryId"),
        "secondary_id": ids(input.secondary_id, type_name, "secondaryId"),
    }


@strawberry.type
class MergeMutation:
    @strawberry.mutation(
        permission_classes=[require(WRITE)],
        description="Merge a duplicate organisation into another; undoMerge reverses it.",
    )
    async def merge_organizations(
        self, info: Info[GraphQLContext, None], input: MergeOrganizationsInput
    ) -> MergeOrganizationsPayload:
        merge, primary, secondary, errors = await _merge(
            info.context, c.MergeOrganizations, OrganizationNode, input
        )
        return MergeOrganizationsPayload(
            merge=merge, primary=primary, secondary=secondary, user_errors=errors
        )

    @strawberry.mutation(
        permission_classes=[require(WRITE)],
        description="Merge a duplicate person into another; undoMerge reverses it.",
    )
    async def merge_people(
        self, info: Info[GraphQLContext, None], input: MergePeopleInput
    ) -> MergePeoplePayload:
        merge, primary, secondary, errors = await _merge(
            info.context, c.MergePeople, PersonNode, input
        )
        return MergePeoplePayload(
            merge=merge, primary=primary, secondary=secondary, user_errors=errors
        )

    @strawberry.mutation(
        permission_classes=[require(WRITE)],
        description=(
            "Undo a merge: both records and what it moved go back as they were. A merge undone "
            "already, or whose records changed since, is a conflict."
        ),
    )
    async def undo_merge(
        self, info: Info[GraphQLContext, None], input: UndoMergeInput
    ) -> UndoMergePayload:
        context = info.context

        def build(ids: InputIds) -> dict[str, Any]:
            return {"merge_id": ids(plain_global_id(input.merge_id, "Merge"), "Merge", "mergeId")}

        result, errors = await send_input(context, c.UndoMerge, build, _undo_errors)
        if result is None:
            return UndoMergePayload(
                merge_id=None,
                entity=None,
                undone_at=None,
                primary=None,
                secondary=None,
                user_errors=errors,
            )
        node: type[ServiceNode] = (
            OrganizationNode if result.entity is c.MergeEntity.ORGANIZATION else PersonNode
        )
        primary, secondary = await _both(context, node, result.primary_id, result.secondary_id)
        return UndoMergePayload(
            merge_id=global_id("Merge", result.merge_id),
            entity=result.entity,
            undone_at=result.undone_at,
            primary=primary,
            secondary=secondary,
            user_errors=[],
        )
