import { Alert, Button, Card, Collapse, Grid, Select, Textarea, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { type FormEvent, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql, useMutation } from "react-relay";
import type { LogInteractionFormMutation } from "../../__generated__/LogInteractionFormMutation.graphql";
import { errorsByField, operationErrorMessage } from "../../lib/userErrors";

const KINDS = ["MEETING", "CALL", "EMAIL", "VISIT", "NOTE", "EVENT_ATTENDANCE"] as const;
type Kind = (typeof KINDS)[number];

/** Now, as a datetime-local input shows it (local time, to the minute). */
function localNow(): string {
  const now = new Date();
  now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
  return now.toISOString().slice(0, 16);
}

interface Props {
  organizationId?: string;
  personId?: string;
  /** Called once the interaction is stored: the page fetches its timeline again. */
  onLogged: () => void;
}

/** Log a meeting, call, e-mail... with an organisation or a person, and maybe a follow-up. */
export function LogInteractionForm({ organizationId, personId, onLogged }: Props) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<Kind>("MEETING");
  const [subject, setSubject] = useState("");
  const [summary, setSummary] = useState("");
  const [occurredAt, setOccurredAt] = useState(localNow);
  const [dueDate, setDueDate] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const idempotencyKey = useMemo(() => crypto.randomUUID(), []);
  const [commit, saving] = useMutation<LogInteractionFormMutation>(graphql`
    mutation LogInteractionFormMutation($input: LogInteractionInput!) {
      logInteraction(input: $input) {
        interaction {
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
    if (!subject.trim()) {
      setErrors({ subject: t("errors.required") });
      return;
    }
    commit({
      variables: {
        input: {
          idempotencyKey,
          kind,
          subject: subject.trim(),
          summary,
          occurredAt: new Date(occurredAt).toISOString(),
          organizationIds: organizationId ? [organizationId] : [],
          personIds: personId ? [personId] : [],
          followUp: dueDate ? { dueDate } : null,
        },
      },
      onCompleted: ({ logInteraction }) => {
        if (logInteraction.userErrors.length > 0) {
          setErrors(errorsByField(t, logInteraction.userErrors));
          return;
        }
        notifications.show({ color: "green", message: t("interaction.logged") });
        setSubject("");
        setSummary("");
        setDueDate("");
        setErrors({});
        setOpen(false);
        onLogged();
      },
      onError: (error) => setErrors({ "": operationErrorMessage(t, error) }),
    });
  }

  return (
    <Card withBorder>
      <Button variant="light" onClick={() => setOpen((value) => !value)} aria-expanded={open}>
        {t("interaction.log")}
      </Button>
      <Collapse expanded={open}>
        <form onSubmit={submit} noValidate aria-label={t("interaction.log")}>
          <Grid gap="sm" mt="sm">
            {errors[""] && (
              <Grid.Col span={12}>
                <Alert color="red" role="alert">
                  {errors[""]}
                </Alert>
              </Grid.Col>
            )}
            <Grid.Col span={{ base: 12, md: 3 }}>
              <Select
                label={t("interaction.kind")}
                value={kind}
                allowDeselect={false}
                data={KINDS.map((value) => ({ value, label: t(`interactionKinds.${value}`) }))}
                onChange={(value) => value && setKind(value as Kind)}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 5 }}>
              <TextInput
                label={t("interaction.subject")}
                required
                value={subject}
                error={errors.subject}
                onChange={(event) => setSubject(event.currentTarget.value)}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <TextInput
                type="datetime-local"
                label={t("interaction.occurredAt")}
                value={occurredAt}
                error={errors.occurredAt}
                onChange={(event) => setOccurredAt(event.currentTarget.value)}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 8 }}>
              <Textarea
                label={t("interaction.summary")}
                autosize
                minRows={2}
                value={summary}
                error={errors.summary}
                onChange={(event) => setSummary(event.currentTarget.value)}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <TextInput
                type="date"
                label={t("interaction.followUpDue")}
                value={dueDate}
                error={errors.followUp}
                onChange={(event) => setDueDate(event.currentTarget.value)}
              />
            </Grid.Col>
            <Grid.Col span={12}>
              <Button type="submit" loading={saving}>
                {t("interaction.submit")}
              </Button>
            </Grid.Col>
          </Grid>
        </form>
      </Collapse>
    </Card>
  );
}
