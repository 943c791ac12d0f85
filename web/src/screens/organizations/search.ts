import type { OrganizationKind, OrganizationStatus, SortField } from "./enums";
import { ORGANIZATION_KINDS, ORGANIZATION_STATUSES, SORT_FIELDS } from "./enums";

/** The organisations list's state in the URL: a view can be bookmarked and shared. */
export interface OrganizationSearch {
  q?: string;
  kind?: OrganizationKind;
  status?: OrganizationStatus;
  county?: string;
  locality?: string;
  caen?: string;
  tag?: string;
  mine?: boolean;
  sort?: SortField;
  desc?: boolean;
  /** The cursors of the pages before this one, oldest first; the last one is `after`. */
  pages?: string[];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

function oneOf<T extends string>(values: readonly T[], value: unknown): T | undefined {
  return values.find((candidate) => candidate === value);
}

/** Read the URL's search params, dropping what is not understood. */
export function parseOrganizationSearch(raw: Record<string, unknown>): OrganizationSearch {
  const pages = Array.isArray(raw.pages)
    ? raw.pages.filter((cursor): cursor is string => typeof cursor === "string")
    : [];
  const search: OrganizationSearch = {
    q: text(raw.q),
    kind: oneOf(ORGANIZATION_KINDS, raw.kind),
    status: oneOf(ORGANIZATION_STATUSES, raw.status),
    county: text(raw.county),
    locality: text(raw.locality),
    caen: text(raw.caen),
    tag: text(raw.tag),
    mine: raw.mine === true ? true : undefined,
    sort: oneOf(SORT_FIELDS, raw.sort),
    desc: raw.desc === true ? true : undefined,
    pages: pages.length > 0 ? pages : undefined,
  };
  return Object.fromEntries(
    Object.entries(search).filter(([, value]) => value !== undefined),
  ) as OrganizationSearch;
}
