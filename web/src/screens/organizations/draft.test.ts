import { createInput, draftOf, EMPTY_DRAFT, updatePatch } from "./draft";

const stored = {
  kind: "COMPANY",
  legalName: "Banat Soft SRL",
  shortName: "Banat Soft",
  cui: "18547290",
  tradeRegister: null,
  caenCodes: [{ code: "6201" }],
  website: null,
  emails: ["office@banat.example"],
  phones: [],
  tags: ["it"],
  address: { street: null, locality: "Timișoara", county: "Timiș", postalCode: null },
  status: "ACTIVE",
  notes: "",
};

describe("updatePatch", () => {
  it("sends only what changed, and clears what was emptied", () => {
    const base = draftOf(stored);
    const patch = updatePatch(base, {
      ...base,
      shortName: " ",
      emails: "office@banat.example, presa@banat.example",
      locality: "Dumbrăvița",
    });
    expect(patch).toEqual({
      emails: ["office@banat.example", "presa@banat.example"],
      address: { street: null, locality: "Dumbrăvița", county: "Timiș", postalCode: null },
      clear: ["SHORT_NAME"],
    });
  });

  it("sends nothing but an empty clear list when nothing changed", () => {
    const base = draftOf(stored);
    expect(updatePatch(base, { ...base })).toEqual({ clear: [] });
  });
});

describe("createInput", () => {
  it("trims, splits lists and leaves empty optional fields out as null", () => {
    const input = createInput({
      ...EMPTY_DRAFT,
      legalName: "  Noua Firma SRL ",
      caenCodes: "6201, 6202,",
      tags: "",
    });
    expect(input).toMatchObject({
      legalName: "Noua Firma SRL",
      cui: null,
      caenCodes: [{ code: "6201" }, { code: "6202" }],
      tags: [],
    });
  });
});
