import { checkCui } from "../../lib/cui";
import type { OrganizationKind, OrganizationStatus } from "./enums";

/** An organisation as its form edits it: every field a string, lists comma-separated. */
export interface OrganizationDraft {
  kind: OrganizationKind;
  legalName: string;
  shortName: string;
  cui: string;
  tradeRegister: string;
  caenCodes: string;
  website: string;
  emails: string;
  phones: string;
  tags: string;
  street: string;
  locality: string;
  county: string;
  postalCode: string;
  status: OrganizationStatus;
  notes: string;
}

export const EMPTY_DRAFT: OrganizationDraft = {
  kind: "COMPANY",
  legalName: "",
  shortName: "",
  cui: "",
  tradeRegister: "",
  caenCodes: "",
  website: "",
  emails: "",
  phones: "",
  tags: "",
  street: "",
  locality: "",
  county: "",
  postalCode: "",
  status: "ACTIVE",
  notes: "",
};

/** What the form starts from for a stored organisation. */
export interface StoredOrganization {
  readonly kind: string;
  readonly legalName: string;
  readonly shortName: string | null | undefined;
  readonly cui: string | null | undefined;
  readonly tradeRegister: string | null | undefined;
  readonly caenCodes: readonly { readonly code: string }[];
  readonly website: string | null | undefined;
  readonly emails: readonly string[];
  readonly phones: readonly string[];
  readonly tags: readonly string[];
  readonly address: {
    readonly street: string | null | undefined;
    readonly locality: string | null | undefined;
    readonly county: string | null | undefined;
    readonly postalCode: string | null | undefined;
  };
  readonly status: string;
  readonly notes: string;
}

export function draftOf(organization: StoredOrganization): OrganizationDraft {
  return {
    kind: organization.kind as OrganizationKind,
    legalName: organization.legalName,
    shortName: organization.shortName ?? "",
    cui: organization.cui ?? "",
    tradeRegister: organization.tradeRegister ?? "",
    caenCodes: organization.caenCodes.map((caen) => caen.code).join(", "),
    website: organization.website ?? "",
    emails: organization.emails.join(", "),
    phones: organization.phones.join(", "),
    tags: organization.tags.join(", "),
    street: organization.address.street ?? "",
    locality: organization.address.locality ?? "",
    county: organization.address.county ?? "",
    postalCode: organization.address.postalCode ?? "",
    status: organization.status as OrganizationStatus,
    notes: organization.notes,
  };
}

/** A comma-separated list's items, trimmed, empty ones dropped. */
export function listOf(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

const ADDRESS_FIELDS = ["street", "locality", "county", "postalCode"] as const;
const CLEARABLE = {
  shortName: "SHORT_NAME",
  cui: "CUI",
  tradeRegister: "TRADE_REGISTER",
  website: "WEBSITE",
} as const;

function optional(value: string): string | null {
  return value.trim() === "" ? null : value.trim();
}

function addressOf(draft: OrganizationDraft) {
  return {
    street: optional(draft.street),
    locality: optional(draft.locality),
    county: optional(draft.county),
    postalCode: optional(draft.postalCode),
  };
}

/** createOrganization's input for a new organisation's draft. */
export function createInput(draft: OrganizationDraft) {
  return {
    kind: draft.kind,
    legalName: draft.legalName.trim(),
    shortName: optional(draft.shortName),
    cui: optional(draft.cui),
    tradeRegister: optional(draft.tradeRegister),
    caenCodes: listOf(draft.caenCodes).map((code) => ({ code })),
    website: optional(draft.website),
    emails: listOf(draft.emails),
    phones: listOf(draft.phones),
    tags: listOf(draft.tags),
    address: addressOf(draft),
    notes: draft.notes,
  };
}

/** updateOrganization's patch: only the fields the user changed, emptied ones cleared. */
export function updatePatch(base: OrganizationDraft, draft: OrganizationDraft) {
  const patch: Record<string, unknown> = {};
  const clear: (typeof CLEARABLE)[keyof typeof CLEARABLE][] = [];
  const changed = (field: keyof OrganizationDraft) => base[field] !== draft[field];
  for (const field of ["kind", "legalName", "status", "notes"] as const) {
    if (changed(field)) patch[field] = field === "legalName" ? draft[field].trim() : draft[field];
  }
  for (const field of Object.keys(CLEARABLE) as (keyof typeof CLEARABLE)[]) {
    if (!changed(field)) continue;
    const value = optional(draft[field]);
    if (value === null) clear.push(CLEARABLE[field]);
    else patch[field] = value;
  }
  for (const field of ["emails", "phones", "tags"] as const) {
    if (changed(field)) patch[field] = listOf(draft[field]);
  }
  if (changed("caenCodes")) patch.caenCodes = listOf(draft.caenCodes).map((code) => ({ code }));
  if (ADDRESS_FIELDS.some(changed)) patch.address = addressOf(draft);
  return { ...patch, clear };
}

/** The fields whose values differ between two drafts. */
export function changedFields(
  before: OrganizationDraft,
  after: OrganizationDraft,
): (keyof OrganizationDraft)[] {
  return (Object.keys(before) as (keyof OrganizationDraft)[]).filter(
    (field) => before[field] !== after[field],
  );
}

/** The client-side check of a CUI, as an i18n key, or null when it may be sent. */
export function cuiProblem(cui: string): string | null {
  const check = checkCui(cui);
  if (check === "format") return "errors.cuiFormat";
  if (check === "checksum") return "errors.cuiChecksum";
  return null;
}
