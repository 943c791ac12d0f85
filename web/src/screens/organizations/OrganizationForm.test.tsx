import { MantineProvider } from "@mantine/core";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import "../../i18n";
import { EMPTY_DRAFT, type OrganizationDraft } from "./draft";
import { OrganizationForm } from "./OrganizationForm";

function Form({ errors = {} }: { errors?: Record<string, string> }) {
  const [value, setValue] = useState<OrganizationDraft>(EMPTY_DRAFT);
  return (
    <MantineProvider>
      <OrganizationForm value={value} onChange={setValue} errors={errors} />
    </MantineProvider>
  );
}

describe("OrganizationForm", () => {
  it("checks the CUI as it is typed, in Romanian", async () => {
    render(<Form />);
    const cui = screen.getByLabelText("CUI");
    await userEvent.type(cui, "18547291");
    expect(screen.getByText("CUI invalid: cifra de control nu se potrivește.")).toBeVisible();
    await userEvent.clear(cui);
    await userEvent.type(cui, "RO18547290");
    expect(screen.getByText("CUI valid")).toBeVisible();
    expect(screen.queryByText(/cifra de control/)).toBeNull();
  });

  it("shows a server error beside its field", () => {
    render(<Form errors={{ emails: "Adresă de e-mail invalidă." }} />);
    const emails = screen.getByLabelText("E-mailuri");
    expect(emails).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByText("Adresă de e-mail invalidă.")).toBeVisible();
  });
});
