/** The schema's enums the organisation screens offer, in the order shown. */
export const ORGANIZATION_KINDS = [
  "COMPANY",
  "ASSOCIATION",
  "PUBLIC_AUTHORITY",
  "CHAMBER",
  "MEDIA_OUTLET",
  "EDUCATION_RESEARCH",
  "INTERNATIONAL_BODY",
  "OTHER",
] as const;
export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number];

export const ORGANIZATION_STATUSES = ["ACTIVE", "INACTIVE", "MERGED"] as const;
export type OrganizationStatus = (typeof ORGANIZATION_STATUSES)[number];

export const SORT_FIELDS = ["NAME", "CREATED_AT", "UPDATED_AT"] as const;
export type SortField = (typeof SORT_FIELDS)[number];
