import { Alert, Button, Card, Group, Stack, Text, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { useNavigate } from "@tanstack/react-router";
import { type FormEvent, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql, useMutation } from "react-relay";
import type { NewOrganizationPageCreateMutation } from "../../__generated__/NewOrganizationPageCreateMutation.graphql";
import type { NewOrganizationPageDuplicatesQuery } from "../../__generated__/NewOrganizationPageDuplicatesQuery.graphql";
import { checkCui, compactCui } from "../../lib/cui";
import { AnchorLink } from "../../lib/links";
import { errorsByField, operationErrorMessage } from "../../lib/userErrors";
import { useLiveQuery } from "../../relay/useLiveQuery";
import { createInput, cuiProblem, EMPTY_DRAFT, type OrganizationDraft } from "./draft";
import { OrganizationForm } from "./OrganizationForm";

const DUPLICATE_DEBOUNCE_MS = 300;
const duplicatesQuery = graphql`
  query NewOrganizationPageDuplicatesQuery($draft: OrganizationDraftInput!) {
    duplicateSuggestions(draft: $draft, limit: 3) {
      reasons
      organization {
        id
        legalName
        cui
      }
    }
  }
`;

/** Add an organisation: the CUI checked as it is typed, likely duplicates named before saving. */
export function NewOrganizationPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [draft, setDraft] = useState<OrganizationDraft>(EMPTY_DRAFT);
  const [errors, setErrors] = useState<Record<string, string>>({});
  // One key per form: a retry after a timeout does not create the organisation twice.
  const idempotencyKey = useMemo(() => crypto.randomUUID(), []);
  const [legalName] = useDebouncedValue(draft.legalName.trim(), DUPLICATE_DEBOUNCE_MS);
  const cui = checkCui(draft.cui) === "valid" ? compactCui(draft.cui) : null;
  const duplicates =
    useLiveQuery<NewOrganizationPageDuplicatesQuery>(
      duplicatesQuery,
      legalName.length >= 3 || cui ? { draft: { legalName: legalName || null, cui } } : null,
    )?.duplicateSuggestions ?? [];
  const [commit, saving] = useMutation<NewOrganizationPageCreateMutation>(graphql`
    mutation NewOrganizationPageCreateMutation($input: CreateOrganizationInput!) {
      createOrganization(input: $input) {
        organization {
          id
        }
        userErrors {
          field
          code
          message
        }
      }
    }
  `);

  function submit(event: FormEvent) {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (!draft.legalName.trim()) local.legalName = t("errors.required");
    const cui = cuiProblem(draft.cui);
    if (cui) local.cui = t(cui);
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    commit({
      variables: { input: { idempotencyKey, ...createInput(draft) } },
      onCompleted: ({ createOrganization }) => {
        const created = createOrganization.organization;
        if (created) {
          notifications.show({ color: "green", message: t("organization.created") });
          void navigate({
            to: "/organizations/$organizationId",
            params: { organizationId: created.id },
          });
          return;
        }
        setErrors(errorsByField(t, createOrganization.userErrors));
      },
      onError: (error) => setErrors({ "": operationErrorMessage(t, error) }),
    });
  }

  const duplicateNotice =
    duplicates.length > 0 ? (
      <Alert color="yellow" mt="xs" p="xs" role="status" data-testid="duplicate-warning">
        <Text size="sm">{t("organization.duplicateWarning")}</Text>
        {duplicates.map(({ organization, reasons }) => (
          <Text size="sm" key={organization.id}>
            <AnchorLink
              to="/organizations/$organizationId"
              params={{ organizationId: organization.id }}
            >
              {organization.legalName}
            </AnchorLink>
            {organization.cui && ` (CUI ${organization.cui})`} —{" "}
            {reasons.map((reason) => t(`organization.duplicateReasons.${reason}`)).join(", ")}
          </Text>
        ))}
      </Alert>
    ) : null;

  return (
    <Stack gap="md">
      <AnchorLink to="/organizations" size="sm">
        ← {t("common.back")}
      </AnchorLink>
      <Title order={2}>{t("organization.createTitle")}</Title>
      <Card withBorder component="form" onSubmit={submit} noValidate>
        <Stack>
          {errors[""] && (
            <Alert color="red" role="alert">
              {errors[""]}
            </Alert>
          )}
          <OrganizationForm
            value={draft}
            onChange={setDraft}
            errors={errors}
            cuiNotice={duplicateNotice}
          />
          <Group>
            <Button type="submit" loading={saving}>
              {t("organization.create")}
            </Button>
          </Group>
        </Stack>
      </Card>
    </Stack>
  );
}
