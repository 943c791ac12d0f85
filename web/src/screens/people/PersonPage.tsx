import { Alert, Card, Group, List, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useParams } from "@tanstack/react-router";
import { useTranslation } from "react-i18next";
import { fetchQuery, graphql, useLazyLoadQuery, useRelayEnvironment } from "react-relay";
import type { PersonPageQuery } from "../../__generated__/PersonPageQuery.graphql";
import { AnchorLink } from "../../lib/links";
import { Facts } from "../shared/Facts";
import { LogInteractionForm } from "../shared/LogInteractionForm";
import { Tags } from "../shared/Tags";
import { Timeline } from "../shared/Timeline";

const personQuery = graphql`
  query PersonPageQuery($id: ID!) {
    person(id: $id) {
      id
      honorific
      givenName
      familyName
      jobTitle
      emails
      phones
      preferredLanguage
      tags
      notes
      affiliations(first: 50, includeEnded: true) {
        edges {
          node {
            id
            role
            department
            startDate
            endDate
            current
            isPrimary
            organization {
              id
              legalName
            }
          }
        }
      }
      consents(history: true) {
        id
        purpose
        channel
        granted
        basis
        at
        source
      }
      timeline(first: 20) {
        edges {
          node {
            id
            kind
            occurredAt
            subject
            summary
            author
            followUp {
              dueDate
              done
            }
          }
        }
      }
    }
  }
  `;

/** One person: contact details, affiliations over time, the consent history, the timeline. */
export function PersonPage() {
  const { t, i18n } = useTranslation();
  const { personId } = useParams({ from: "/staff/people/$personId" });
  const environment = useRelayEnvironment();
  const { person } = useLazyLoadQuery<PersonPageQuery>(
    personQuery,
    { id: personId },
    { fetchPolicy: "store-and-network" },
  );
  if (!person) {
    return (
      <Alert color="yellow" role="alert">
        {t("common.notFound")}
      </Alert>
    );
  }
  const date = (value: string | null | undefined) =>
    value ? new Intl.DateTimeFormat(i18n.language).format(new Date(value)) : "…";
  const name = [person.honorific, person.givenName, person.familyName].filter(Boolean).join(" ");

  return (
    <Stack gap="md">
      <AnchorLink to="/people" size="sm">
        ← {t("common.back")}
      </AnchorLink>
      <Stack gap={4}>
        <Title order={2}>{name}</Title>
        <Group gap="xs">
          {person.jobTitle && <Text>{person.jobTitle}</Text>}
          <Tags tags={person.tags} />
        </Group>
      </Stack>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Title order={3} size="h5" mb="xs">
            {t("person.details")}
          </Title>
          <Facts
            rows={[
              [t("people.fields.emails"), person.emails.join(", ")],
              [t("people.fields.phones"), person.phones.join(", ")],
              [t("people.fields.preferredLanguage"), person.preferredLanguage],
              [t("people.fields.notes"), person.notes],
            ]}
          />
        </Card>
        <Card withBorder>
          <Title order={3} size="h5" mb="xs">
            {t("person.consents")}
          </Title>
          {person.consents.length === 0 ? (
            <Text c="dimmed" size="sm">
              {t("person.noConsents")}
            </Text>
          ) : (
            <List spacing={4} size="sm" listStyleType="none">
              {person.consents.map((consent) => (
                <List.Item key={consent.id}>
                  {date(consent.at)} ·{" "}
                  {t("person.consentLine", {
                    purpose: t(`consent.purposes.${consent.purpose}`),
                    channel: t(`consent.channels.${consent.channel}`),
                    state: consent.granted ? t("consent.granted") : t("consent.withdrawn"),
                    basis: t(`person.basis.${consent.basis}`),
                    source: consent.source,
                  })}
                </List.Item>
              ))}
            </List>
          )}
        </Card>
      </SimpleGrid>
      <Card withBorder>
        <Title order={3} size="h4" mb="xs">
          {t("person.affiliations")}
        </Title>
        {person.affiliations.edges.length === 0 ? (
          <Text c="dimmed">{t("person.noAffiliations")}</Text>
        ) : (
          <List spacing="xs" listStyleType="none">
            {person.affiliations.edges.map(({ node }) => (
              <List.Item key={node.id}>
                {node.organization ? (
                  <AnchorLink
                    to="/organizations/$organizationId"
                    params={{ organizationId: node.organization.id }}
                    fw={600}
                  >
                    {node.organization.legalName}
                  </AnchorLink>
                ) : (
                  t("common.none")
                )}{" "}
                <Text span size="sm">
                  {[node.role, node.department].filter(Boolean).join(", ")}
                  {" · "}
                  {node.current
                    ? t("organization.current")
                    : t("person.period", { from: date(node.startDate), to: date(node.endDate) })}
                  {node.isPrimary && ` · ${t("organization.primary")}`}
                </Text>
              </List.Item>
            ))}
          </List>
        )}
      </Card>
      <LogInteractionForm
        personId={person.id}
        onLogged={() =>
          void fetchQuery<PersonPageQuery>(
            environment,
            personQuery,
            { id: person.id },
            { fetchPolicy: "network-only" },
          ).toPromise()
        }
      />
      <Timeline entries={person.timeline.edges.map((edge) => edge.node)} />
    </Stack>
  );
}
