/** What every list keeps in the URL besides its filters: a search, a sort, its keyset pages. */
export interface ListSearch<Sort extends string> {
  q?: string;
  mine?: boolean;
  sort?: Sort;
  desc?: boolean;
  /** The cursors of the pages before this one, oldest first; the last one is `after`. */
  pages?: string[];
}

/** A non-blank string, or undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** One of the values, or undefined. */
export function oneOf<T extends string>(values: readonly T[], value: unknown): T | undefined {
  return values.find((candidate) => candidate === value);
}

/** The common part of a list's URL state, read leniently: what is not understood is dropped. */
export function parseListSearch<Sort extends string>(
  raw: Record<string, unknown>,
  sorts: readonly Sort[],
): ListSearch<Sort> {
  const pages = Array.isArray(raw.pages)
    ? raw.pages.filter((cursor): cursor is string => typeof cursor === "string")
    : [];
  return {
    q: text(raw.q),
    mine: raw.mine === true ? true : undefined,
    sort: oneOf(sorts, raw.sort),
    desc: raw.desc === true ? true : undefined,
    pages: pages.length > 0 ? pages : undefined,
  };
}

/** The object without its undefined entries (so URLs carry no empty params). */
export function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

/** The query's ordering for a list's URL state (none: the API's best-match order). */
export function orderBy<Sort extends string>(search: ListSearch<Sort>) {
  return search.sort
    ? { field: search.sort, direction: search.desc ? ("DESC" as const) : ("ASC" as const) }
    : null;
}
