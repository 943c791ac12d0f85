import { defined, type ListSearch, parseListSearch, text } from "../../lib/listSearch";
import { SORT_FIELDS, type SortField } from "../organizations/enums";

/** The people list's state in the URL. */
export interface PersonSearch extends ListSearch<SortField> {
  tag?: string;
}

export function parsePersonSearch(raw: Record<string, unknown>): PersonSearch {
  return defined({ ...parseListSearch(raw, SORT_FIELDS), tag: text(raw.tag) });
}
