import i18next from "../i18n";
import { errorsByField, userErrorMessage } from "./userErrors";

describe("user errors in Romanian", () => {
  const t = i18next.getFixedT("ro");

  it("names the holder of a CUI already held", () => {
    const message = userErrorMessage(t, {
      field: ["input", "cui"],
      code: "conflict",
      message: "CUI 18547290 already belongs to Prima SRL",
    });
    expect(message).toBe("Acest CUI aparține deja organizației „Prima SRL”.");
  });

  it("keys errors by their input field, with a generic text for unknown fields", () => {
    const errors = errorsByField(t, [
      { field: ["input", "emails", "0"], code: "validation_failed", message: "not a valid e-mail" },
      { field: ["input", "sectors"], code: "validation_failed", message: "too long" },
      { field: null, code: "forbidden", message: "no" },
    ]);
    expect(errors).toEqual({
      emails: "Adresă de e-mail invalidă.",
      sectors: "Valoare invalidă.",
      "": "Nu aveți dreptul să faceți această operațiune.",
    });
  });
});

describe("Romanian plurals", () => {
  it("says 1 organizație, 3 organizații, 20 de organizații", () => {
    const t = i18next.getFixedT("ro");
    expect(t("organizations.count", { count: 1 })).toBe("1 organizație");
    expect(t("organizations.count", { count: 3 })).toBe("3 organizații");
    expect(t("organizations.count", { count: 20 })).toBe("20 de organizații");
  });
});
