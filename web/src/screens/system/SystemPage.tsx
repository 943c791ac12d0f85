import { Button, Group, Stack, Text, Title } from "@mantine/core";
import { DataTable } from "mantine-datatable";
import { useState, useTransition } from "react";
import { useTranslation } from "react-i18next";
import { graphql, useLazyLoadQuery } from "react-relay";
import type {
  SystemPageQuery,
  SystemPageQuery$data,
} from "../../__generated__/SystemPageQuery.graphql";

type Row = SystemPageQuery$data["health"][number];

/** Each service's health, version, outbox backlog and dead letters, asked over NATS. */
export function SystemPage() {
  const { t } = useTranslation();
  const [fetchKey, setFetchKey] = useState(0);
  const [refreshing, startTransition] = useTransition();
  const { health } = useLazyLoadQuery<SystemPageQuery>(
    graphql`
      query SystemPageQuery {
        health {
          service
          status
          version
          latencyMs
          detail
          outboxBacklog
          deadLetters
        }
      }
    `,
    {},
    { fetchPolicy: "network-only", fetchKey },
  );
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2}>{t("system.title")}</Title>
        <Button
          variant="default"
          loading={refreshing}
          onClick={() => startTransition(() => setFetchKey((key) => key + 1))}
        >
          {t("system.refresh")}
        </Button>
      </Group>
      <DataTable<Row>
        withTableBorder
        striped
        idAccessor="service"
        records={[...health]}
        columns={[
          { accessor: "service", title: t("system.service") },
          {
            accessor: "status",
            title: t("system.status"),
            render: (row) => (
              <Text size="sm" fw={600} c={row.status === "ok" ? "teal.9" : "red.9"}>
                {t(`system.${row.status}`, { defaultValue: row.status })}
              </Text>
            ),
          },
          { accessor: "version", title: t("system.version") },
          {
            accessor: "latencyMs",
            title: t("system.latency"),
            render: (row) => (row.latencyMs == null ? "—" : `${Math.round(row.latencyMs)} ms`),
          },
          { accessor: "outboxBacklog", title: t("system.outboxBacklog") },
          { accessor: "deadLetters", title: t("system.deadLetters") },
          { accessor: "detail", title: t("system.detail") },
        ]}
      />
    </Stack>
  );
}
