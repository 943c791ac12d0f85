import {
  Alert,
  Button,
  Card,
  Grid,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { useNavigate } from "@tanstack/react-router";
import { type FormEvent, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql, useMutation } from "react-relay";
import type { NewPersonPageCreateMutation } from "../../__generated__/NewPersonPageCreateMutation.graphql";
import type { NewPersonPageDuplicatesQuery } from "../../__generated__/NewPersonPageDuplicatesQuery.graphql";
import { AnchorLink } from "../../lib/links";
import { errorsByField, operationErrorMessage } from "../../lib/userErrors";
import { useLiveQuery } from "../../relay/useLiveQuery";
import { listOf } from "../organizations/draft";

const DUPLICATE_DEBOUNCE_MS = 300;
const duplicatesQuery = graphql`
  query NewPersonPageDuplicatesQuery($draft: PersonDraftInput!) {
    personDuplicateSuggestions(draft: $draft, limit: 3) {
      reasons
      person {
        id
        givenName
        familyName
      }
    }
  }
`;

const EMPTY = {
  honorific: "",
  givenName: "",
  familyName: "",
  jobTitle: "",
  emails: "",
  phones: "",
  preferredLanguage: "ro",
  tags: "",
  notes: "",
};
type PersonDraft = typeof EMPTY;

/** Add a person: likely duplicates named while typing, each API error beside its field. */
export function NewPersonPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [draft, setDraft] = useState<PersonDraft>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const idempotencyKey = useMemo(() => crypto.randomUUID(), []);
  const [debounced] = useDebouncedValue(draft, DUPLICATE_DEBOUNCE_MS);
  const duplicates =
    useLiveQuery<NewPersonPageDuplicatesQuery>(
      duplicatesQuery,
      debounced.familyName.trim().length >= 2 || debounced.emails.trim()
        ? {
            draft: {
              givenName: debounced.givenName.trim() || null,
              familyName: debounced.familyName.trim() || null,
              emails: listOf(debounced.emails),
              phones: listOf(debounced.phones),
            },
          }
        : null,
    )?.personDuplicateSuggestions ?? [];
  const [commit, saving] = useMutation<NewPersonPageCreateMutation>(graphql`
    mutation NewPersonPageCreateMutation($input: CreatePersonInput!) {
      createPerson(input: $input) {
        person {
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

  const field = (name: keyof PersonDraft) => ({
    label: t(`people.fields.${name}`),
    name,
    value: draft[name],
    error: errors[name],
    onChange: (event: { currentTarget: { value: string } }) =>
      setDraft({ ...draft, [name]: event.currentTarget.value }),
  });
  const listField = (name: keyof PersonDraft) => ({
    ...field(name),
    description: t("organizations.listHint"),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!draft.familyName.trim()) {
      setErrors({ familyName: t("errors.required") });
      return;
    }
    commit({
      variables: {
        input: {
          idempotencyKey,
          honorific: draft.honorific.trim() || null,
          givenName: draft.givenName.trim(),
          familyName: draft.familyName.trim(),
          jobTitle: draft.jobTitle.trim() || null,
          emails: listOf(draft.emails),
          phones: listOf(draft.phones),
          preferredLanguage: draft.preferredLanguage,
          tags: listOf(draft.tags),
          notes: draft.notes,
        },
      },
      onCompleted: ({ createPerson }) => {
        if (createPerson.person) {
          notifications.show({ color: "green", message: t("people.created") });
          void navigate({ to: "/people/$personId", params: { personId: createPerson.person.id } });
          return;
        }
        setErrors(errorsByField(t, createPerson.userErrors));
      },
      onError: (error) => setErrors({ "": operationErrorMessage(t, error) }),
    });
  }

  return (
    <Stack gap="md">
      <AnchorLink to="/people" size="sm">
        ← {t("common.back")}
      </AnchorLink>
      <Title order={2}>{t("people.createTitle")}</Title>
      <Card withBorder component="form" onSubmit={submit} noValidate>
        <Grid gap="sm">
          {errors[""] && (
            <Grid.Col span={12}>
              <Alert color="red" role="alert">
                {errors[""]}
              </Alert>
            </Grid.Col>
          )}
          <Grid.Col span={{ base: 12, md: 2 }}>
            <TextInput {...field("honorific")} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 5 }}>
            <TextInput {...field("givenName")} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 5 }}>
            <TextInput {...field("familyName")} required />
          </Grid.Col>
          {duplicates.length > 0 && (
            <Grid.Col span={12}>
              <Alert color="yellow" p="xs" role="status" data-testid="duplicate-warning">
                <Text size="sm">{t("people.duplicateWarning")}</Text>
                {duplicates.map(({ person, reasons }) => (
                  <Text size="sm" key={person.id}>
                    <AnchorLink to="/people/$personId" params={{ personId: person.id }}>
                      {`${person.givenName} ${person.familyName}`.trim()}
                    </AnchorLink>{" "}
                    —{" "}
                    {reasons
                      .map((reason) => t(`organization.duplicateReasons.${reason}`))
                      .join(", ")}
                  </Text>
                ))}
              </Alert>
            </Grid.Col>
          )}
          <Grid.Col span={{ base: 12, md: 6 }}>
            <TextInput {...field("jobTitle")} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 6 }}>
            <Select
              label={t("people.fields.preferredLanguage")}
              value={draft.preferredLanguage}
              allowDeselect={false}
              error={errors.preferredLanguage}
              data={[
                { value: "ro", label: t("language.ro") },
                { value: "en", label: t("language.en") },
              ]}
              onChange={(value) => value && setDraft({ ...draft, preferredLanguage: value })}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 6 }}>
            <TextInput {...listField("emails")} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 6 }}>
            <TextInput {...listField("phones")} />
          </Grid.Col>
          <Grid.Col span={12}>
            <TextInput {...listField("tags")} />
          </Grid.Col>
          <Grid.Col span={12}>
            <Textarea {...field("notes")} autosize minRows={2} />
          </Grid.Col>
          <Grid.Col span={12}>
            <Button type="submit" loading={saving}>
              {t("people.create")}
            </Button>
          </Grid.Col>
        </Grid>
      </Card>
    </Stack>
  );
}
