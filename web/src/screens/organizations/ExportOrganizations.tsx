import { Alert, Anchor, Button, Group, Menu, Text } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { fetchQuery, graphql, useMutation, useRelayEnvironment } from "react-relay";
import type {
  ExportOrganizationsJobQuery,
  ExportOrganizationsJobQuery$data,
} from "../../__generated__/ExportOrganizationsJobQuery.graphql";
import type {
  ExportOrganizationsMutation,
  ExportOrganizationsMutation$variables,
} from "../../__generated__/ExportOrganizationsMutation.graphql";
import { operationErrorMessage } from "../../lib/userErrors";

const POLL_MS = 1_000;
const jobQuery = graphql`
  query ExportOrganizationsJobQuery($id: ID!) {
    job(id: $id) {
      status
      error
      file {
        filename
        rows
        downloadUrl
      }
    }
  }
`;

type ExportedFile = NonNullable<NonNullable<ExportOrganizationsJobQuery$data["job"]>["file"]>;
type State =
  | { step: "idle" }
  | { step: "running" }
  | { step: "ready"; file: ExportedFile }
  | { step: "failed"; message: string };

interface Props {
  /** The list's current search and filters: the export holds what the view lists. */
  search: string | null | undefined;
  filter: ExportOrganizationsMutation$variables["input"]["filter"];
}

/** Export the organisations of the current view as CSV or XLSX, then offer the download. */
export function ExportOrganizations({ search, filter }: Props) {
  const { t } = useTranslation();
  const environment = useRelayEnvironment();
  const [state, setState] = useState<State>({ step: "idle" });
  const [commit] = useMutation<ExportOrganizationsMutation>(graphql`
    mutation ExportOrganizationsMutation($input: ExportOrganizationsInput!) {
      exportOrganizations(input: $input) {
        job {
          id
        }
        file {
          filename
          rows
          downloadUrl
        }
        userErrors {
          field
          code
          message
        }
      }
    }
  `);

  /** Ask the job until it is done; an export of many rows outlasts the mutation's answer. */
  async function follow(jobId: string) {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      const data = await fetchQuery<ExportOrganizationsJobQuery>(
        environment,
        jobQuery,
        { id: jobId },
        { fetchPolicy: "network-only" },
      ).toPromise();
      const job = data?.job;
      if (job?.status === "SUCCEEDED" && job.file)
        return setState({ step: "ready", file: job.file });
      if (!job || job.status === "FAILED") {
        return setState({ step: "failed", message: t("export.failed") });
      }
    }
  }

  function start(format: "CSV" | "XLSX") {
    setState({ step: "running" });
    commit({
      variables: { input: { idempotencyKey: crypto.randomUUID(), search, filter, format } },
      onCompleted: ({ exportOrganizations }) => {
        const { file, job, userErrors } = exportOrganizations;
        if (file) setState({ step: "ready", file });
        else if (job) void follow(job.id);
        else setState({ step: "failed", message: userErrors[0]?.message ?? t("export.failed") });
      },
      onError: (error) => setState({ step: "failed", message: operationErrorMessage(t, error) }),
    });
  }

  return (
    <Group gap="xs">
      <Menu>
        <Menu.Target>
          <Button variant="default" size="xs" loading={state.step === "running"}>
            {t("export.button")}
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={() => start("CSV")}>CSV</Menu.Item>
          <Menu.Item onClick={() => start("XLSX")}>XLSX</Menu.Item>
        </Menu.Dropdown>
      </Menu>
      {state.step === "running" && <Text size="sm">{t("export.running")}</Text>}
      {state.step === "ready" && (
        <Anchor href={state.file.downloadUrl} download={state.file.filename} size="sm">
          {t("export.ready", { filename: state.file.filename, rows: state.file.rows })}
        </Anchor>
      )}
      {state.step === "failed" && (
        <Alert color="red" role="alert" p="xs">
          {state.message}
        </Alert>
      )}
    </Group>
  );
}
