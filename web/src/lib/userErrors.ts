import type { TFunction } from "i18next";

/** A user error as the API returns it: the input field's path, a code and an English message. */
export interface UserError {
  readonly field: readonly string[] | null | undefined;
  readonly code: string;
  readonly message: string;
}

const HOLDER = /already belongs to (.+)$/;

/** The input field an error is about: its path after `input` (["input", "cui"] is "cui"). */
export function errorField(error: UserError): string {
  const path = error.field ?? [];
  return (path[0] === "input" ? path[1] : path[0]) ?? "";
}

/** The error's message in the UI's language, from its code and field (the API speaks English). */
export function userErrorMessage(t: TFunction, error: UserError): string {
  const field = errorField(error);
  if (error.code === "conflict" && field === "cui") {
    const holder = HOLDER.exec(error.message)?.[1];
    if (holder) return t("errors.cuiHeld", { holder });
  }
  if (error.code === "validation_failed") {
    const key = `errors.invalidFields.${field}`;
    return t(key, { defaultValue: t("errors.invalid") });
  }
  return t(`errors.${error.code}`, { defaultValue: t("errors.generic") });
}

/** The errors keyed by their top-level input field ("" for those of no field). */
export function errorsByField(t: TFunction, errors: readonly UserError[]): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const error of errors) {
    const field = errorField(error);
    byField[field] ??= userErrorMessage(t, error);
  }
  return byField;
}

const TOP_LEVEL_CODES: Record<string, string> = {
  FORBIDDEN: "errors.forbidden",
  UNAUTHENTICATED: "errors.unauthenticated",
  NOT_FOUND: "errors.not_found",
  UNAVAILABLE: "errors.unavailable",
};

/** A failed operation's message in the UI's language (Relay keeps the answer in `source`). */
export function operationErrorMessage(t: TFunction, error: unknown): string {
  const source = (error as { source?: { errors?: { extensions?: { code?: string } }[] } }).source;
  const code = source?.errors?.[0]?.extensions?.code;
  if (code && TOP_LEVEL_CODES[code]) return t(TOP_LEVEL_CODES[code]);
  if (error instanceof TypeError) return t("errors.network");
  return t("errors.generic");
}
