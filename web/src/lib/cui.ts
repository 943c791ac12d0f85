/** Romanian fiscal codes (CUI/CIF): the same check as the contacts service (python-stdnum). */

const WEIGHTS = [7, 5, 3, 2, 1, 7, 5, 3, 2];

export type CuiCheck = "empty" | "valid" | "format" | "checksum";

/** The CUI's digits, with an `RO` prefix, spaces and dots dropped. */
export function compactCui(value: string): string {
  return value.replace(/[\s.-]/g, "").replace(/^ro/i, "");
}

/** Whether a CUI is empty, valid, malformed (not 2 to 10 digits) or has a wrong check digit. */
export function checkCui(value: string): CuiCheck {
  const digits = compactCui(value);
  if (digits === "") return "empty";
  if (!/^[0-9]{2,10}$/.test(digits) || digits.startsWith("0")) return "format";
  const body = digits.slice(0, -1).padStart(9, "0");
  const sum = [...body].reduce(
    (total, digit, index) => total + Number(digit) * (WEIGHTS[index] ?? 0),
    0,
  );
  const check = ((sum * 10) % 11) % 10;
  return String(check) === digits.slice(-1) ? "valid" : "checksum";
}
