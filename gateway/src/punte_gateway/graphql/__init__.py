"""The GraphQL kit: what every domain's GraphQL uses; no domain lives here.

Each domain has one folder (`users/`, `api_keys/`, `audit/`, `system/`, `contacts/`, and next
media, authorities, Law 544) with its GraphQL beside its service: `graphql.py` while it is
small, else `types.py`, `queries.py` and `mutations.py`. `schema.py` assembles the domains'
`...Query` and `...Mutation` classes.

- `errors`: `UserError`; `user_errors(error, ids)` maps a `ServiceError` to a payload's
  `userErrors` (paths camelCased under `input`); `ServiceErrors` turns any `ServiceError` a
  resolver lets through into a top-level error with `extensions.code` (resolvers never catch
  it); `camel`, `field_path`, `input_path` spell contract fields as GraphQL does.
- `ids`: `uuid_of(global_id, "Type")` (unknown: not found), `uuid_or_none`, `parse_uuid`,
  `global_id("Type", uuid)`, `plain_global_id`, `InputIds` (remembers each id's input path).
- `mutations`: `run_mutation(info, action, change, target)` for the gateway's own tables:
  one transaction as the caller, a refusal rolled back, audited and answered as user errors.
- `tables`: `StoredNode` (mixed into a node of the gateway's own tables: `node(id:)` in one
  query), `stored_nodes` and `stored_connection`.
- `mapping`: `filled(GraphQLType, row, **computed)` copies same-named fields.
- `permissions`: `require(permission)` for fields, `require_permission(info, permission)`
  inside resolvers; refusals are audited.
- `context`, `node`, `pagination`, `loaders`, `extensions`, `protection`: the request's
  context, `node(id:)`, Relay paging, DataLoaders, tracing and limits.
"""
