import { defined, type ListSearch, oneOf, parseListSearch, text } from "../../lib/listSearch";
import type { OrganizationKind, OrganizationStatus, SortField } from "./enums";
import { ORGANIZATION_KINDS, ORGANIZATION_STATUSES, SORT_FIELDS } from "./enums";

/** The organisations list's state in the URL: a view can be bookmarked and shared. */
export interface OrganizationSearch extends ListSearch<SortField> {
  kind?: OrganizationKind;
  status?: OrganizationStatus;
  county?: string;
  locality?: string;
  caen?: string;
  tag?: string;
}

/** Read the URL's search params, dropping what is not understood. */
export function parseOrganizationSearch(raw: Record<string, unknown>): OrganizationSearch {
  return defined({
    ...parseListSearch(raw, SORT_FIELDS),
    kind: oneOf(ORGANIZATION_KINDS, raw.kind),
    status: oneOf(ORGANIZATION_STATUSES, raw.status),
    county: text(raw.county),
    locality: text(raw.locality),
    caen: text(raw.caen),
    tag: text(raw.tag),
  });
}
