import {
  Button,
  Checkbox,
  Group,
  Loader,
  Menu,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedCallback, useLocalStorage } from "@mantine/hooks";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { DataTable, type DataTableColumn, type DataTableSortStatus } from "mantine-datatable";
import { useDeferredValue, useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql, useLazyLoadQuery } from "react-relay";
import type {
  OrganizationsPageQuery,
  OrganizationsPageQuery$data,
  OrganizationsPageQuery$variables,
} from "../../__generated__/OrganizationsPageQuery.graphql";
import { useSession } from "../../auth/useSession";
import { KeysetPager } from "../../layout/KeysetPager";
import { uuidOfGlobalId } from "../../lib/globalId";
import { AnchorLink, ButtonLink } from "../../lib/links";
import { orderBy } from "../../lib/listSearch";
import { Tags } from "../shared/Tags";
import { ExportOrganizations } from "./ExportOrganizations";
import { ORGANIZATION_KINDS, ORGANIZATION_STATUSES, type SortField } from "./enums";
import type { OrganizationSearch } from "./search";

export const PAGE_SIZE = 25;
const SEARCH_DEBOUNCE_MS = 100;

type Row = OrganizationsPageQuery$data["organizations"]["edges"][number]["node"];
type ColumnId =
  | "legalName"
  | "kind"
  | "cui"
  | "locality"
  | "county"
  | "caenCodes"
  | "tags"
  | "owner"
  | "status"
  | "updatedAt";

const ALL_COLUMNS: readonly ColumnId[] = [
  "legalName",
  "kind",
  "cui",
  "locality",
  "county",
  "caenCodes",
  "tags",
  "owner",
  "status",
  "updatedAt",
];
const DEFAULT_COLUMNS: ColumnId[] = ["legalName", "kind", "cui", "locality", "tags", "status"];
const SORTABLE: Partial<Record<ColumnId, SortField>> = {
  legalName: "NAME",
  updatedAt: "UPDATED_AT",
};

/** The query's variables for a URL's search params; `ownerId` is the signed-in user's. */
export function organizationsVariables(
  search: OrganizationSearch,
  ownerId: string | null,
): OrganizationsPageQuery$variables {
  const filter = {
    kind: search.kind ?? null,
    status: search.status ?? null,
    county: search.county ?? null,
    locality: search.locality ?? null,
    caenCode: search.caen ?? null,
    tag: search.tag ?? null,
    ownerId: search.mine ? ownerId : null,
  };
  return {
    search: search.q ?? null,
    filter,
    orderBy: orderBy(search),
    first: PAGE_SIZE,
    after: search.pages?.at(-1) ?? null,
  };
}

/** The organisations: search, filters, sort, chosen columns and keyset pages, all in the URL. */
export function OrganizationsPage() {
  const { t } = useTranslation();
  const search = useSearch({ from: "/staff/organizations" });
  const navigate = useNavigate({ from: "/organizations" });
  const session = useSession();
  const [typed, setTyped] = useState(search.q ?? "");
  const [columns, setColumns] = useLocalStorage<ColumnId[]>({
    key: "punte.organizations.columns",
    defaultValue: DEFAULT_COLUMNS,
  });

  /** Change the view; any change but paging starts again at the first page. */
  const update = (change: Partial<OrganizationSearch>, replace = false) =>
    navigate({
      search: (previous: OrganizationSearch) => ({ ...previous, pages: undefined, ...change }),
      replace,
    });
  const submitSearch = useDebouncedCallback((value: string) => {
    void update({ q: value.trim() || undefined }, true);
  }, SEARCH_DEBOUNCE_MS);

  const variables = organizationsVariables(search, uuidOfGlobalId(session?.user.id ?? ""));
  const filtered = Boolean(
    search.kind || search.status || search.county || search.locality || search.caen || search.tag,
  );
  const textFilter = (key: keyof OrganizationSearch, label: string) => (
    <TextInput
      key={`${key}:${String(search[key] ?? "")}`}
      label={label}
      size="xs"
      w={130}
      defaultValue={String(search[key] ?? "")}
      onBlur={(event) => void update({ [key]: event.currentTarget.value.trim() || undefined })}
      onKeyDown={(event) => {
        if (event.key === "Enter") {
          void update({ [key]: event.currentTarget.value.trim() || undefined });
        }
      }}
    />
  );

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2}>{t("organizations.title")}</Title>
        <ButtonLink to="/organizations/new">{t("organizations.new")}</ButtonLink>
      </Group>
      <TextInput
        type="search"
        aria-label={t("organizations.search")}
        placeholder={t("organizations.search")}
        value={typed}
        onChange={(event) => {
          setTyped(event.currentTarget.value);
          submitSearch(event.currentTarget.value);
        }}
      />
      <Group gap="xs" align="flex-end">
        <Select
          label={t("organizations.filters.kind")}
          size="xs"
          w={190}
          clearable
          placeholder={t("organizations.filters.any")}
          value={search.kind ?? null}
          data={ORGANIZATION_KINDS.map((kind) => ({ value: kind, label: t(`kinds.${kind}`) }))}
          onChange={(value) =>
            void update({ kind: (value as OrganizationSearch["kind"]) ?? undefined })
          }
        />
        <Select
          label={t("organizations.filters.status")}
          size="xs"
          w={130}
          clearable
          placeholder={t("organizations.filters.any")}
          value={search.status ?? null}
          data={ORGANIZATION_STATUSES.map((status) => ({
            value: status,
            label: t(`statuses.${status}`),
          }))}
          onChange={(value) =>
            void update({ status: (value as OrganizationSearch["status"]) ?? undefined })
          }
        />
        {textFilter("county", t("organizations.filters.county"))}
        {textFilter("locality", t("organizations.filters.locality"))}
        {textFilter("caen", t("organizations.filters.caen"))}
        {textFilter("tag", t("organizations.filters.tag"))}
        <Checkbox
          label={t("organizations.onlyMine")}
          checked={search.mine ?? false}
          onChange={(event) => void update({ mine: event.currentTarget.checked || undefined })}
          mb={6}
        />
        {filtered && (
          <Button
            variant="subtle"
            size="xs"
            onClick={() =>
              void update({
                kind: undefined,
                status: undefined,
                county: undefined,
                locality: undefined,
                caen: undefined,
                tag: undefined,
              })
            }
          >
            {t("organizations.clearFilters")}
          </Button>
        )}
        <ExportOrganizations search={variables.search} filter={variables.filter} />
        <Menu closeOnItemClick={false}>
          <Menu.Target>
            <Button variant="default" size="xs">
              {t("organizations.columns")}
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            {ALL_COLUMNS.map((column) => (
              <Menu.Item key={column}>
                <Checkbox
                  label={t(`organizations.fields.${column}`)}
                  checked={columns.includes(column)}
                  disabled={column === "legalName"}
                  onChange={(event) => {
                    const checked = event.currentTarget.checked;
                    setColumns(
                      ALL_COLUMNS.filter((c) => (c === column ? checked : columns.includes(c))),
                    );
                  }}
                />
              </Menu.Item>
            ))}
          </Menu.Dropdown>
        </Menu>
      </Group>
      <OrganizationsTable
        variables={variables}
        columns={columns}
        search={search}
        ownerId={variables.filter?.ownerId ?? uuidOfGlobalId(session?.user.id ?? "")}
        onChange={update}
      />
    </Stack>
  );
}

interface TableProps {
  variables: OrganizationsPageQuery$variables;
  columns: readonly ColumnId[];
  search: OrganizationSearch;
  ownerId: string | null;
  onChange: (change: Partial<OrganizationSearch>) => Promise<void>;
}

function OrganizationsTable({ variables, columns, search, ownerId, onChange }: TableProps) {
  const { t, i18n } = useTranslation();
  // While the next view loads, the current one stays on screen (no flash of a spinner).
  const deferred = useDeferredValue(variables);
  const stale = deferred !== variables;
  const data = useLazyLoadQuery<OrganizationsPageQuery>(
    graphql`
      query OrganizationsPageQuery(
        $search: String
        $filter: OrganizationFilter
        $orderBy: SearchOrderInput
        $first: Int!
        $after: String
      ) {
        organizations(
          search: $search
          filter: $filter
          orderBy: $orderBy
          first: $first
          after: $after
        ) {
          totalCount
          pageInfo {
            hasNextPage
            endCursor
          }
          edges {
            node {
              id
              legalName
              shortName
              kind
              cui
              address {
                locality
                county
              }
              caenCodes {
                code
              }
              tags
              ownerId
              status
              updatedAt
            }
          }
        }
      }
    `,
    deferred,
    { fetchPolicy: "store-and-network" },
  );
  const { organizations } = data;
  const dateFormat = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium" });

  const definitions: Record<ColumnId, DataTableColumn<Row>> = {
    legalName: {
      accessor: "legalName",
      title: t("organizations.fields.legalName"),
      sortable: true,
      render: (row) => (
        <AnchorLink to="/organizations/$organizationId" params={{ organizationId: row.id }}>
          {row.legalName}
        </AnchorLink>
      ),
    },
    kind: {
      accessor: "kind",
      title: t("organizations.fields.kind"),
      render: (row) => t(`kinds.${row.kind}`),
    },
    cui: { accessor: "cui", title: t("organizations.fields.cui") },
    locality: {
      accessor: "address.locality",
      title: t("organizations.fields.locality"),
    },
    county: { accessor: "address.county", title: t("organizations.fields.county") },
    caenCodes: {
      accessor: "caenCodes",
      title: t("organizations.fields.caenCodes"),
      render: (row) => row.caenCodes.map((caen) => caen.code).join(", "),
    },
    tags: {
      accessor: "tags",
      title: t("organizations.fields.tags"),
      render: (row) => <Tags tags={row.tags} size="sm" />,
    },
    owner: {
      accessor: "ownerId",
      title: t("organizations.fields.owner"),
      render: (row) =>
        row.ownerId === null
          ? t("common.none")
          : row.ownerId === ownerId
            ? t("organizations.ownerMe")
            : t("organizations.ownerOther"),
    },
    status: {
      accessor: "status",
      title: t("organizations.fields.status"),
      render: (row) => t(`statuses.${row.status}`),
    },
    updatedAt: {
      accessor: "updatedAt",
      title: t("organizations.fields.updatedAt"),
      sortable: true,
      render: (row) => dateFormat.format(new Date(row.updatedAt)),
    },
  };
  const sortColumn = (Object.keys(SORTABLE) as ColumnId[]).find(
    (column) => SORTABLE[column] === search.sort,
  );
  const sortStatus: DataTableSortStatus<Row> = {
    columnAccessor: sortColumn ? (definitions[sortColumn].accessor as string) : "legalName",
    direction: search.desc ? "desc" : "asc",
  };

  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Text size="sm" data-testid="organizations-count" aria-live="polite">
          {t("organizations.count", { count: organizations.totalCount })}
        </Text>
        {stale && <Loader size="xs" aria-label={t("common.loading")} />}
      </Group>
      <DataTable<Row>
        withTableBorder
        striped
        highlightOnHover
        minHeight={160}
        opacity={stale ? 0.6 : 1}
        records={organizations.edges.map((edge) => edge.node)}
        columns={columns.map((column) => definitions[column])}
        noRecordsText={t("organizations.empty")}
        sortStatus={sortStatus}
        onSortStatusChange={(status) => {
          const column = (Object.keys(definitions) as ColumnId[]).find(
            (id) => definitions[id].accessor === status.columnAccessor,
          );
          void onChange({
            sort: column ? SORTABLE[column] : undefined,
            desc: status.direction === "desc" || undefined,
          });
        }}
      />
      <KeysetPager
        pages={search.pages ?? []}
        pageInfo={organizations.pageInfo}
        onChange={(pages) => void onChange({ pages })}
      />
    </Stack>
  );
}
