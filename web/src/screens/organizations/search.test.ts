import { parseOrganizationSearch } from "./search";

describe("parseOrganizationSearch", () => {
  it("keeps what the list understands and drops the rest", () => {
    expect(
      parseOrganizationSearch({
        q: "banat",
        kind: "COMPANY",
        status: "SOMETHING",
        county: "  ",
        mine: true,
        desc: "yes",
        sort: "NAME",
        pages: ["a", 3, "b"],
        other: 1,
      }),
    ).toEqual({ q: "banat", kind: "COMPANY", mine: true, sort: "NAME", pages: ["a", "b"] });
  });
});
