import { checkCui, compactCui } from "./cui";

describe("checkCui", () => {
  it("accepts valid codes with or without the RO prefix", () => {
    expect(checkCui("18547290")).toBe("valid");
    expect(checkCui("RO 185 472 90")).toBe("valid");
    expect(compactCui("ro18547290")).toBe("18547290");
  });

  it("tells a wrong check digit from a malformed code", () => {
    expect(checkCui("18547291")).toBe("checksum");
    expect(checkCui("12a")).toBe("format");
    expect(checkCui("12345678901")).toBe("format");
    expect(checkCui("")).toBe("empty");
  });
});
