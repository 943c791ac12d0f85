import { safeRedirect } from "./redirect";

describe("safeRedirect", () => {
  it("keeps the application's own paths", () => {
    expect(safeRedirect("/organizations?q=banat")).toBe("/organizations?q=banat");
  });

  it("refuses other sites and anything not a path", () => {
    for (const value of ["//evil.example/x", "/\\evil.example", "https://evil.example", 3]) {
      expect(safeRedirect(value)).toBeUndefined();
    }
  });
});
