import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  List,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useParams } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import {
  fetchQuery,
  graphql,
  useLazyLoadQuery,
  useMutation,
  useRelayEnvironment,
} from "react-relay";
import type {
  OrganizationPageQuery,
  OrganizationPageQuery$data,
} from "../../__generated__/OrganizationPageQuery.graphql";
import type { OrganizationPageUpdateMutation } from "../../__generated__/OrganizationPageUpdateMutation.graphql";
import { AnchorLink } from "../../lib/links";
import { errorField, errorsByField, operationErrorMessage } from "../../lib/userErrors";
import { Facts } from "../shared/Facts";
import { LogInteractionForm } from "../shared/LogInteractionForm";
import { Tags } from "../shared/Tags";
import { Timeline } from "../shared/Timeline";
import { changedFields, cuiProblem, draftOf, type OrganizationDraft, updatePatch } from "./draft";
import { OrganizationForm } from "./OrganizationForm";

// What the page shows of the record itself: read by the page and answered by an update, so an
// edit refreshes the page from the mutation's answer.
graphql`
  fragment OrganizationPage_record on Organization {
    id
    kind
    legalName
    shortName
    cui
    tradeRegister
    caenCodes {
      code
      revision
    }
    address {
      street
      locality
      county
      postalCode
      country
    }
    website
    emails
    phones
    tags
    department
    source
    status
    notes
    version
    createdAt
    updatedAt
  }
`;

const query = graphql`
  query OrganizationPageQuery($id: ID!) {
    organization(id: $id) {
      ...OrganizationPage_record @relay(mask: false)
      affiliations(first: 50) {
        totalCount
        edges {
          node {
            id
            role
            department
            startDate
            endDate
            current
            isPrimary
            person {
              id
              givenName
              familyName
              jobTitle
              emails
              consents {
                purpose
                channel
                granted
              }
            }
          }
        }
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

type Organization = NonNullable<OrganizationPageQuery$data["organization"]>;

interface Conflict {
  version: number;
  updatedAt: string;
  fields: (keyof OrganizationDraft)[];
}

/** One organisation: identifiers, addresses, contact points, people, consent and the timeline. */
export function OrganizationPage() {
  const { t } = useTranslation();
  const { organizationId } = useParams({ from: "/staff/organizations/$organizationId" });
  const data = useLazyLoadQuery<OrganizationPageQuery>(
    query,
    { id: organizationId },
    { fetchPolicy: "store-and-network" },
  );
  const organization = data.organization;
  if (!organization) {
    return (
      <Alert color="yellow" role="alert">
        {t("common.notFound")}
      </Alert>
    );
  }
  return (
    <Stack gap="md">
      <AnchorLink to="/organizations" size="sm">
        ← {t("common.back")}
      </AnchorLink>
      <OrganizationDetails key={organization.id} organization={organization} />
    </Stack>
  );
}

function OrganizationDetails({ organization }: { organization: Organization }) {
  const { t, i18n } = useTranslation();
  const environment = useRelayEnvironment();
  // The draft and the version it started from: a save sends that version as expectedVersion.
  const [editing, setEditing] = useState<{ base: OrganizationDraft; version: number } | null>(null);
  const [draft, setDraft] = useState<OrganizationDraft | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [commit, saving] = useMutation<OrganizationPageUpdateMutation>(graphql`
    mutation OrganizationPageUpdateMutation($input: UpdateOrganizationInput!) {
      updateOrganization(input: $input) {
        organization {
          ...OrganizationPage_record @relay(mask: false)
        }
        userErrors {
          field
          code
          message
        }
      }
    }
  `);
  const dateTime = new Intl.DateTimeFormat(i18n.language, {
    dateStyle: "medium",
    timeStyle: "short",
  });
  const date = (value: string) => new Intl.DateTimeFormat(i18n.language).format(new Date(value));

  function startEditing() {
    const base = draftOf(organization);
    setEditing({ base, version: organization.version });
    setDraft(base);
    setErrors({});
    setConflict(null);
  }

  function stopEditing() {
    setEditing(null);
    setDraft(null);
    setErrors({});
    setConflict(null);
  }

  /** The organisation as stored now, into Relay's store (the page shows it). */
  const refresh = () =>
    fetchQuery<OrganizationPageQuery>(
      environment,
      query,
      { id: organization.id },
      { fetchPolicy: "network-only" },
    ).toPromise();

  /** Fetch the stored version and start editing from it; the user's edits are dropped. */
  async function reload() {
    await refresh();
    stopEditing();
  }

  async function showConflict(base: OrganizationDraft) {
    const now = (await refresh())?.organization;
    if (!now) return;
    setConflict({
      version: now.version,
      updatedAt: now.updatedAt,
      fields: changedFields(base, draftOf(now)),
    });
  }

  function save(event: FormEvent) {
    event.preventDefault();
    if (!editing || !draft) return;
    const local = cuiProblem(draft.cui);
    if (local) {
      setErrors({ cui: t(local) });
      return;
    }
    commit({
      variables: {
        input: {
          id: organization.id,
          expectedVersion: editing.version,
          ...updatePatch(editing.base, draft),
        },
      },
      onCompleted: ({ updateOrganization }) => {
        const userErrors = updateOrganization.userErrors;
        if (userErrors.length === 0) {
          notifications.show({ color: "green", message: t("organization.saved") });
          stopEditing();
          return;
        }
        if (userErrors.some((e) => e.code === "conflict" && errorField(e) === "expectedVersion")) {
          void showConflict(editing.base);
          return;
        }
        setErrors(errorsByField(t, userErrors));
      },
      onError: (error) => setErrors({ "": operationErrorMessage(t, error) }),
    });
  }

  const fieldLabel = (field: keyof OrganizationDraft) => t(`organizations.fields.${field}`);

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Title order={2}>{organization.legalName}</Title>
          <Group gap="xs">
            <Badge variant="light">{t(`kinds.${organization.kind}`)}</Badge>
            <Badge color={organization.status === "ACTIVE" ? "teal.9" : "gray.7"}>
              {t(`statuses.${organization.status}`)}
            </Badge>
            <Tags tags={organization.tags} />
          </Group>
        </Stack>
        {!editing && <Button onClick={startEditing}>{t("common.edit")}</Button>}
      </Group>

      {editing && draft ? (
        <Card withBorder component="form" onSubmit={save} noValidate aria-label={t("common.edit")}>
          <Stack>
            {conflict && (
              <Alert color="orange" title={t("organization.conflictTitle")} role="alert">
                <Stack gap="xs">
                  <Text size="sm">
                    {t("organization.conflictBody", {
                      version: conflict.version,
                      when: dateTime.format(new Date(conflict.updatedAt)),
                      fields:
                        conflict.fields.map(fieldLabel).join(", ") ||
                        t("organization.conflictNoFields"),
                    })}
                  </Text>
                  <Group>
                    <Button size="xs" color="orange" onClick={() => void reload()}>
                      {t("common.reload")}
                    </Button>
                  </Group>
                </Stack>
              </Alert>
            )}
            {errors[""] && (
              <Alert color="red" role="alert">
                {errors[""]}
              </Alert>
            )}
            <OrganizationForm value={draft} onChange={setDraft} errors={errors} withStatus />
            <Group>
              <Button type="submit" loading={saving}>
                {t("common.save")}
              </Button>
              <Button variant="default" onClick={stopEditing}>
                {t("common.cancel")}
              </Button>
            </Group>
          </Stack>
        </Card>
      ) : (
        <SimpleGrid cols={{ base: 1, md: 3 }}>
          <Card withBorder>
            <Title order={3} size="h5" mb="xs">
              {t("organization.identifiers")}
            </Title>
            <Facts
              rows={[
                [t("organizations.fields.cui"), organization.cui],
                [t("organizations.fields.tradeRegister"), organization.tradeRegister],
                [
                  t("organizations.fields.caenCodes"),
                  organization.caenCodes.map((caen) => caen.code).join(", "),
                ],
                [t("organizations.fields.shortName"), organization.shortName],
                [t("organizations.fields.department"), organization.department],
                [t("organizations.fields.version"), String(organization.version)],
                [
                  t("organizations.fields.updatedAt"),
                  dateTime.format(new Date(organization.updatedAt)),
                ],
              ]}
            />
          </Card>
          <Card withBorder>
            <Title order={3} size="h5" mb="xs">
              {t("organization.address")}
            </Title>
            <Facts
              rows={[
                [t("organizations.fields.street"), organization.address.street],
                [t("organizations.fields.locality"), organization.address.locality],
                [t("organizations.fields.county"), organization.address.county],
                [t("organizations.fields.postalCode"), organization.address.postalCode],
                [t("organizations.fields.country"), organization.address.country],
              ]}
            />
          </Card>
          <Card withBorder>
            <Title order={3} size="h5" mb="xs">
              {t("organization.contact")}
            </Title>
            <Facts
              rows={[
                [t("organizations.fields.website"), organization.website],
                [t("organizations.fields.emails"), organization.emails.join(", ")],
                [t("organizations.fields.phones"), organization.phones.join(", ")],
                [t("organizations.fields.notes"), organization.notes],
              ]}
            />
          </Card>
        </SimpleGrid>
      )}

      <Card withBorder>
        <Title order={3} size="h4" mb="xs">
          {t("organization.people")}
        </Title>
        {organization.affiliations.edges.length === 0 ? (
          <Text c="dimmed">{t("organization.noPeople")}</Text>
        ) : (
          <List spacing="xs" listStyleType="none">
            {organization.affiliations.edges.map(({ node }) => (
              <List.Item key={node.id}>
                {node.person ? (
                  <AnchorLink to="/people/$personId" params={{ personId: node.person.id }} fw={600}>
                    {`${node.person.givenName} ${node.person.familyName}`}
                  </AnchorLink>
                ) : (
                  t("common.none")
                )}{" "}
                <Text span size="sm">
                  {[node.role, node.department].filter(Boolean).join(", ")}
                  {" · "}
                  {node.current
                    ? t("organization.current")
                    : t("organization.ended", { date: node.endDate ? date(node.endDate) : "" })}
                  {node.isPrimary && ` · ${t("organization.primary")}`}
                </Text>
                <Text size="xs" c="dimmed">
                  {node.person && node.person.consents.length > 0
                    ? node.person.consents
                        .map(
                          (consent) =>
                            `${t(`consent.purposes.${consent.purpose}`)} (${t(`consent.channels.${consent.channel}`)}): ${
                              consent.granted ? t("consent.granted") : t("consent.withdrawn")
                            }`,
                        )
                        .join("; ")
                    : t("consent.none")}
                </Text>
              </List.Item>
            ))}
          </List>
        )}
      </Card>

      <LogInteractionForm organizationId={organization.id} onLogged={() => void refresh()} />
      <Timeline entries={organization.timeline.edges.map((edge) => edge.node)} />
    </Stack>
  );
}
