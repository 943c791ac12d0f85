/** The page to return to after signing in: a path of this application, never another site. */
export function safeRedirect(value: unknown): string | undefined {
  // "//host/..." and "/\\host" are read by browsers as another site.
  return typeof value === "string" && /^\/(?![/\\])/.test(value) ? value : undefined;
}
