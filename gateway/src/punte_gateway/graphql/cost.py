"""A query's cost, estimated before it runs: each field counts once per item it is fetched for.

Depth, alias and token limits bound a document's shape, not its work: fifteen aliases of
`organizations(first: 100) { ... people(first: 100) { ... } }` pass all three and ask for
150,000 nested records. The cost multiplies each field by the page sizes (`first`/`last`,
else the default page size of a connection, else the `ids` given) of the fields above it.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

from punte_gateway.graphql.pagination import DEFAULT_PAGE_SIZE

# A list that is neither paged nor asked by ids (such as a person's consents) is assumed
# to hold this many items.
UNPAGED_LIST_ITEMS = 10
COST_CODE = "QUERY_TOO_COSTLY"


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def cost(self, parent: GraphQLNamedType, selection_set: SelectionSetNode | None) -> int:
        """The cost of a selection set on one object of `parent`."""
        if selection_set is None:
            return 0
        total = 0
        for field, owner in self._fields(parent, selection_set, set()):
            definition = getattr(owner, "fields", {}).get(field.name.value)
            if definition is None:
                # __typename and introspection: one each.
                total += 1
                continue
            child = get_named_type(definition.type)
            size = self._items(field, definition.type, owner)
            total += 1 + size * self.cost(child, field.selection_set)
        return total

    def _fields(
        self, parent: GraphQLNamedType, selection_set: SelectionSetNode, seen: set[str]
    ) -> Iterator[tuple[FieldNode, GraphQLNamedType]]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                on = (
                    self.schema.get_type(selection.type_condition.name.value)
                    if selection.type_condition
                    else parent
                )
                yield from self._fields(on or parent, selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                # Validation refuses fragment cycles; `seen` only keeps this walk finite.
                if fragment is None or name in seen:
                    continue
                on = self.schema.get_type(fragment.type_condition.name.value) or parent
                yield from self._fields(on, fragment.selection_set, seen | {name})

    def _items(self, field: FieldNode, type_: GraphQLOutputType, owner: GraphQLNamedType) -> int:
        """How many items the field fetches per object it is asked on."""
        arguments = {a.name.value: a.value for a in field.arguments or ()}
        for name in ("first", "last"):
            if name in arguments:
                value = self._value(arguments[name])
                if isinstance(value, int):
                    return max(value, 1)
        named = get_named_type(type_)
        if named.name.endswith("Connection"):
            return DEFAULT_PAGE_SIZE
        if "ids" in arguments:
            ids = self._value(arguments["ids"])
            return max(len(ids), 1) if isinstance(ids, list) else UNPAGED_LIST_ITEMS
        unwrapped = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        # A connection's edges are its page, counted on the connection already.
        if isinstance(unwrapped, GraphQLList) and not owner.name.endswith("Connection"):
            return UNPAGED_LIST_ITEMS
        return 1

    def _value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ListValueNode):
            return list(node.values)
        return None


def query_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
) -> int:
    """The estimated cost of running one operation with these variables."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    return _Walk(schema, fragments, variables or {}).cost(root, operation.selection_set)


class QueryCostLimiter(SchemaExtension):
    """Refuses, before running it, an operation whose estimated cost exceeds the limit."""

    def __init__(self, max_cost: int) -> None:
        self.max_cost = max_cost

    def on_validate(self) -> Iterator[None]:
        # After the validation cache (earlier in the list) has set its errors: a valid
        # document only, whose fields all exist.
        context = self.execution_context
        document = context.graphql_document
        if not context.pre_execution_errors and document is not None:
            fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            operations = [
                d
                for d in document.definitions
                if isinstance(d, OperationDefinitionNode)
                and (
                    context.operation_name is None
                    or (d.name and d.name.value == context.operation_name)
                )
            ]
            if len(operations) == 1:
                cost = query_cost(
                    context.schema._schema, operations[0], fragments, context.variables
                )
                if cost > self.max_cost:
                    context.pre_execution_errors = [
                        GraphQLError(
                            f"the query would cost {cost}, above the limit of {self.max_cost}: "
                            "ask for smaller pages (first) or fewer nested lists",
                            extensions={"code": COST_CODE},
                        )
                    ]
        yield
