import { Checkbox, Group, Loader, Stack, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedCallback } from "@mantine/hooks";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { DataTable } from "mantine-datatable";
import { useDeferredValue, useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql, useLazyLoadQuery } from "react-relay";
import type {
  PeoplePageQuery,
  PeoplePageQuery$data,
  PeoplePageQuery$variables,
} from "../../__generated__/PeoplePageQuery.graphql";
import { useSession } from "../../auth/useSession";
import { KeysetPager } from "../../layout/KeysetPager";
import { uuidOfGlobalId } from "../../lib/globalId";
import { AnchorLink, ButtonLink } from "../../lib/links";
import { orderBy } from "../../lib/listSearch";
import { Tags } from "../shared/Tags";
import type { PersonSearch } from "./search";

const PAGE_SIZE = 25;
const SEARCH_DEBOUNCE_MS = 100;

type Row = PeoplePageQuery$data["people"]["edges"][number]["node"];

/** The people: search, tag and "mine" filters, sort by name, keyset pages, all in the URL. */
export function PeoplePage() {
  const { t } = useTranslation();
  const search = useSearch({ from: "/staff/people" });
  const navigate = useNavigate({ from: "/people" });
  const session = useSession();
  const [typed, setTyped] = useState(search.q ?? "");
  const update = (change: Partial<PersonSearch>, replace = false) =>
    navigate({
      search: (previous: PersonSearch) => ({ ...previous, pages: undefined, ...change }),
      replace,
    });
  const submitSearch = useDebouncedCallback((value: string) => {
    void update({ q: value.trim() || undefined }, true);
  }, SEARCH_DEBOUNCE_MS);
  const variables: PeoplePageQuery$variables = {
    search: search.q ?? null,
    filter: {
      tag: search.tag ?? null,
      ownerId: search.mine ? uuidOfGlobalId(session?.user.id ?? "") : null,
    },
    orderBy: orderBy(search),
    first: PAGE_SIZE,
    after: search.pages?.at(-1) ?? null,
  };

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2}>{t("people.title")}</Title>
        <ButtonLink to="/people/new">{t("people.new")}</ButtonLink>
      </Group>
      <TextInput
        type="search"
        aria-label={t("people.search")}
        placeholder={t("people.search")}
        value={typed}
        onChange={(event) => {
          setTyped(event.currentTarget.value);
          submitSearch(event.currentTarget.value);
        }}
      />
      <Group gap="xs" align="flex-end">
        <TextInput
          key={`tag:${search.tag ?? ""}`}
          label={t("people.fields.tags")}
          size="xs"
          w={160}
          defaultValue={search.tag ?? ""}
          onBlur={(event) => void update({ tag: event.currentTarget.value.trim() || undefined })}
          onKeyDown={(event) => {
            if (event.key === "Enter") {
              void update({ tag: event.currentTarget.value.trim() || undefined });
            }
          }}
        />
        <Checkbox
          label={t("people.onlyMine")}
          checked={search.mine ?? false}
          onChange={(event) => void update({ mine: event.currentTarget.checked || undefined })}
          mb={6}
        />
      </Group>
      <PeopleTable variables={variables} search={search} onChange={update} />
    </Stack>
  );
}

interface TableProps {
  variables: PeoplePageQuery$variables;
  search: PersonSearch;
  onChange: (change: Partial<PersonSearch>) => Promise<void>;
}

function PeopleTable({ variables, search, onChange }: TableProps) {
  const { t } = useTranslation();
  const deferred = useDeferredValue(variables);
  const stale = deferred !== variables;
  const { people } = useLazyLoadQuery<PeoplePageQuery>(
    graphql`
      query PeoplePageQuery(
        $search: String
        $filter: PersonFilter
        $orderBy: SearchOrderInput
        $first: Int!
        $after: String
      ) {
        people(search: $search, filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
          totalCount
          pageInfo {
            hasNextPage
            endCursor
          }
          edges {
            node {
              id
              givenName
              familyName
              jobTitle
              emails
              phones
              tags
              affiliations(first: 1, includeEnded: false) {
                edges {
                  node {
                    role
                    organization {
                      legalName
                    }
                  }
                }
              }
            }
          }
        }
      }
    `,
    deferred,
    { fetchPolicy: "store-and-network" },
  );
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Text size="sm" data-testid="people-count" aria-live="polite">
          {t("people.count", { count: people.totalCount })}
        </Text>
        {stale && <Loader size="xs" aria-label={t("common.loading")} />}
      </Group>
      <DataTable<Row>
        withTableBorder
        striped
        highlightOnHover
        minHeight={160}
        opacity={stale ? 0.6 : 1}
        records={people.edges.map((edge) => edge.node)}
        noRecordsText={t("people.empty")}
        sortStatus={{ columnAccessor: "familyName", direction: search.desc ? "desc" : "asc" }}
        onSortStatusChange={(status) =>
          void onChange({ sort: "NAME", desc: status.direction === "desc" || undefined })
        }
        columns={[
          {
            accessor: "familyName",
            title: t("people.fields.name"),
            sortable: true,
            render: (row) => (
              <AnchorLink to="/people/$personId" params={{ personId: row.id }}>
                {`${row.givenName} ${row.familyName}`.trim()}
              </AnchorLink>
            ),
          },
          { accessor: "jobTitle", title: t("people.fields.jobTitle") },
          {
            accessor: "organization",
            title: t("people.fields.organization"),
            render: (row) => {
              const current = row.affiliations.edges[0]?.node;
              return current
                ? [current.organization?.legalName, current.role].filter(Boolean).join(", ")
                : t("common.none");
            },
          },
          {
            accessor: "emails",
            title: t("people.fields.emails"),
            render: (row) => row.emails.join(", "),
          },
          {
            accessor: "phones",
            title: t("people.fields.phones"),
            render: (row) => row.phones.join(", "),
          },
          {
            accessor: "tags",
            title: t("people.fields.tags"),
            render: (row) => <Tags tags={row.tags} size="sm" />,
          },
        ]}
      />
      <KeysetPager
        pages={search.pages ?? []}
        pageInfo={people.pageInfo}
        onChange={(pages) => void onChange({ pages })}
      />
    </Stack>
  );
}
