import { Badge, Card, Group, Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";

export interface TimelineEntry {
  readonly id: string;
  readonly kind: string;
  readonly occurredAt: string;
  readonly subject: string;
  readonly summary: string;
  readonly author: string | null | undefined;
  readonly followUp:
    | { readonly dueDate: string | null | undefined; readonly done: boolean }
    | null
    | undefined;
}

/** The interactions with an organisation or a person, newest first, with their follow-ups. */
export function Timeline({ entries }: { entries: readonly TimelineEntry[] }) {
  const { t, i18n } = useTranslation();
  const dateTime = new Intl.DateTimeFormat(i18n.language, {
    dateStyle: "medium",
    timeStyle: "short",
  });
  const date = (value: string) => new Intl.DateTimeFormat(i18n.language).format(new Date(value));
  return (
    <Card withBorder>
      <Title order={3} size="h4" mb="xs">
        {t("organization.timeline")}
      </Title>
      {entries.length === 0 ? (
        <Text c="dimmed">{t("organization.noTimeline")}</Text>
      ) : (
        <Stack gap="sm">
          {entries.map((entry) => (
            <div key={entry.id}>
              <Group gap="xs">
                <Badge size="sm" variant="light">
                  {t(`interactionKinds.${entry.kind}`)}
                </Badge>
                <Text size="sm" fw={600}>
                  {entry.subject}
                </Text>
                <Text size="xs" c="dimmed">
                  {dateTime.format(new Date(entry.occurredAt))}
                  {entry.author && ` · ${entry.author}`}
                </Text>
              </Group>
              {entry.summary && <Text size="sm">{entry.summary}</Text>}
              {entry.followUp && (
                <Text size="xs" c={entry.followUp.done ? "dimmed" : "red.9"}>
                  {entry.followUp.done
                    ? t("organization.followUpDone")
                    : t("organization.followUpDue", {
                        date: entry.followUp.dueDate ? date(entry.followUp.dueDate) : "",
                      })}
                </Text>
              )}
            </div>
          ))}
        </Stack>
      )}
    </Card>
  );
}
