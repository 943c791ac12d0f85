import { Grid, Select, Textarea, TextInput } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { checkCui } from "../../lib/cui";
import { cuiProblem, type OrganizationDraft } from "./draft";
import { ORGANIZATION_KINDS } from "./enums";

interface Props {
  value: OrganizationDraft;
  onChange: (value: OrganizationDraft) => void;
  /** Server errors by input field, already translated. */
  errors: Record<string, string>;
  withStatus?: boolean;
  cuiNotice?: ReactNode;
}

/** The organisation's fields, with each server error beside its field and the CUI checked live. */
export function OrganizationForm({ value, onChange, errors, withStatus, cuiNotice }: Props) {
  const { t } = useTranslation();
  const field = (name: keyof OrganizationDraft) => ({
    label: t(`organizations.fields.${name}`),
    name,
    value: value[name],
    error: errors[name],
    onChange: (event: { currentTarget: { value: string } }) =>
      onChange({ ...value, [name]: event.currentTarget.value }),
  });
  const listField = (name: keyof OrganizationDraft) => ({
    ...field(name),
    description: t("organizations.listHint"),
  });
  const cuiLocal = cuiProblem(value.cui);
  const address = (name: keyof OrganizationDraft) => ({
    ...field(name),
    error: errors[name] ?? errors.address,
  });

  return (
    <Grid gap="sm">
      <Grid.Col span={{ base: 12, md: 8 }}>
        <TextInput {...field("legalName")} required />
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 4 }}>
        <Select
          label={t("organizations.fields.kind")}
          name="kind"
          value={value.kind}
          allowDeselect={false}
          error={errors.kind}
          data={ORGANIZATION_KINDS.map((kind) => ({ value: kind, label: t(`kinds.${kind}`) }))}
          onChange={(kind) =>
            kind && onChange({ ...value, kind: kind as OrganizationDraft["kind"] })
          }
        />
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 4 }}>
        <TextInput {...field("shortName")} />
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 4 }}>
        <TextInput
          {...field("cui")}
          error={errors.cui ?? (cuiLocal ? t(cuiLocal) : undefined)}
          description={checkCui(value.cui) === "valid" ? t("organization.cuiValid") : undefined}
        />
        {cuiNotice}
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 4 }}>
        <TextInput {...field("tradeRegister")} />
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 4 }}>
        <TextInput {...listField("caenCodes")} />
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 4 }}>
        <TextInput {...listField("tags")} />
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 4 }}>
        <TextInput {...field("website")} />
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 6 }}>
        <TextInput {...listField("emails")} />
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 6 }}>
        <TextInput {...listField("phones")} />
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 6 }}>
        <TextInput {...address("street")} />
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 2 }}>
        <TextInput {...address("locality")} />
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 2 }}>
        <TextInput {...address("county")} />
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 2 }}>
        <TextInput {...address("postalCode")} />
      </Grid.Col>
      {withStatus && (
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Select
            label={t("organizations.fields.status")}
            name="status"
            value={value.status}
            allowDeselect={false}
            error={errors.status}
            data={(["ACTIVE", "INACTIVE"] as const).map((status) => ({
              value: status,
              label: t(`statuses.${status}`),
            }))}
            onChange={(status) =>
              status && onChange({ ...value, status: status as OrganizationDraft["status"] })
            }
          />
        </Grid.Col>
      )}
      <Grid.Col span={12}>
        <Textarea {...field("notes")} autosize minRows={2} />
      </Grid.Col>
    </Grid>
  );
}
