"""The contacts screens in Chromium, against the real gateway, contacts service and NATS."""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from stdnum.ro import cui as ro_cui

from .conftest import LiveSystem, assert_accessible, screenshot, sign_in

CREATE = """
mutation ($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { organization { id } userErrors { code } }
}
"""
UPDATE = """
mutation ($input: UpdateOrganizationInput!) {
  updateOrganization(input: $input) { organization { version } userErrors { code } }
}
"""
PEOPLE = """
mutation ($person: CreatePersonInput!) {
  createPerson(input: $person) { person { id } userErrors { code } }
}
"""
AFFILIATE = """
mutation ($input: AddAffiliationInput!) { addAffiliation(input: $input) { userErrors { code } } }
"""
CONSENT = """
mutation ($input: SetConsentInput!) { setConsent(input: $input) { userErrors { code } } }
"""
LOG = """
mutation ($input: LogInteractionInput!) { logInteraction(input: $input) { userErrors { code } } }
"""
NAMES = ["Banat", "Cetate", "Dacia", "Elisabetin", "Fabric", "Iosefin"]
ORGANIZATIONS = 30
PAGE_SIZE = 25


def valid_cui(n: int) -> str:
    base = str(3100000 + n)
    return base + ro_cui.calc_check_digit(base)


@dataclass
class Seeded:
    """What the module's organisations are: ids by name, and the one with people and history."""

    ids: dict[str, str]
    detailed: str


@pytest.fixture(scope="module")
def seeded(live_system: LiveSystem) -> Seeded:
    """30 organisations (companies in Timiș, associations in Arad) and one with a whole file."""
    ids: dict[str, str] = {}
    for n in range(ORGANIZATIONS):
        company = n % 5 != 0
        name = f"{NAMES[n % len(NAMES)]} {'Soft SRL' if company else 'Asociatia'} {n:02d}"
        payload = live_system.graphql(
            CREATE,
            {
                "input": {
                    "kind": "COMPANY" if company else "ASSOCIATION",
                    "legalName": name,
                    "cui": valid_cui(n),
                    "tags": ["it"] if n % 2 else ["cultura"],
                    "caenCodes": [{"code": "6201"}] if company else [],
                    "address": {
                        "locality": "Timișoara" if company else "Arad",
                        "county": "Timiș" if company else "Arad",
                    },
                    "emails": [f"contact{n}@firma.example"],
                }
            },
        )["createOrganization"]
        assert payload["userErrors"] == [], payload
        ids[name] = payload["organization"]["id"]
    detailed = ids["Cetate Soft SRL 01"]
    person = live_system.graphql(
        PEOPLE, {"person": {"givenName": "Ioana", "familyName": "Mureșan", "jobTitle": "CEO"}}
    )["createPerson"]["person"]["id"]
    live_system.graphql(
        AFFILIATE,
        {"input": {"personId": person, "organizationId": detailed, "role": "Director general"}},
    )
    live_system.graphql(
        CONSENT,
        {
            "input": {
                "personId": person,
                "purpose": "NEWSLETTER",
                "channel": "EMAIL",
                "granted": True,
                "source": "formular eveniment",
            }
        },
    )
    live_system.graphql(
        LOG,
        {
            "input": {
                "kind": "MEETING",
                "occurredAt": "2026-11-20T10:00:00Z",
                "subject": "Parteneriat hub digital",
                "summary": "Discuție despre hubul din Fabric.",
                "organizationIds": [detailed],
                "personIds": [person],
                "followUp": {"dueDate": "2026-12-20"},
            }
        },
    )
    return Seeded(ids=ids, detailed=detailed)


def table_names(page: Page) -> list[str]:
    return page.locator("table tbody tr td:first-child").all_inner_texts()


def test_sign_in_refuses_a_wrong_password_then_shows_who_is_signed_in(
    page: Page, live_system: LiveSystem
) -> None:
    page.goto("/organizations")
    expect(page).to_have_url(re.compile(r"/login\?redirect="))
    assert_accessible(page)
    screenshot(page, "login")
    page.get_by_label("Utilizator").fill("business_liaison")
    page.get_by_label("Parolă").fill("parola-gresita")
    page.get_by_role("button", name="Intră în cont").click()
    expect(page.get_by_role("alert")).to_have_text("Utilizator sau parolă greșită.")
    # What was typed stays: only the password is corrected.
    expect(page.get_by_label("Utilizator")).to_have_value("business_liaison")
    sign_in(page, path="/organizations")
    user = page.get_by_test_id("current-user")
    expect(user).to_contain_text("Andrei Țurcanu")
    expect(user).to_contain_text("Relația cu mediul de afaceri")
    expect(user).to_contain_text("mediul-de-afaceri")
    refresh_token = page.evaluate("JSON.parse(localStorage.getItem('punte.session')).refreshToken")
    page.get_by_role("button", name="Ieși din cont").click()
    expect(page).to_have_url(re.compile(r"/login"))
    page.goto("/organizations")
    expect(page).to_have_url(re.compile(r"/login"))
    # Signing out ended the session on the server too: its refresh token renews nothing.
    renewed = live_system.graphql(
        "mutation ($t: String!) { refreshSession(input: {refreshToken: $t}) "
        "{ accessToken userErrors { code } } }",
        {"t": refresh_token},
    )["refreshSession"]
    assert renewed["accessToken"] is None
    assert [e["code"] for e in renewed["userErrors"]] == ["invalid_token"]


def test_the_list_searches_filters_sorts_and_pages_through_the_url(
    page: Page, seeded: Seeded
) -> None:
    sign_in(page, path="/organizations")
    count = page.get_by_test_id("organizations-count")
    expect(count).to_have_text(f"{ORGANIZATIONS} de organizații")
    expect(page.locator("table tbody tr")).to_have_count(PAGE_SIZE)
    assert_accessible(page)
    screenshot(page, "organizations")

    page.get_by_role("button", name="Pagina următoare").click()
    expect(page).to_have_url(re.compile(r"pages="))
    expect(page.locator("table tbody tr")).to_have_count(ORGANIZATIONS - PAGE_SIZE)
    second_page = table_names(page)
    page.reload()  # the page is in the URL: a bookmark opens the same rows
    expect(page.locator("table tbody tr")).to_have_count(ORGANIZATIONS - PAGE_SIZE)
    assert table_names(page) == second_page
    page.get_by_role("button", name="Pagina anterioară").click()
    expect(page.locator("table tbody tr")).to_have_count(PAGE_SIZE)

    page.get_by_role("searchbox").fill("cetate")
    expect(count).to_have_text("5 organizații")
    expect(page).to_have_url(re.compile(r"q=cetate"))
    assert all("Cetate" in name for name in table_names(page))
    page.get_by_role("searchbox").fill("")
    expect(count).to_have_text(f"{ORGANIZATIONS} de organizații")

    page.get_by_label("Localitate").fill("Arad")
    page.get_by_label("Localitate").press("Enter")
    expect(count).to_have_text("6 organizații")
    assert all("Asociatia" in name for name in table_names(page))
    # The export holds what the view lists: the six associations in Arad.
    page.get_by_role("button", name="Exportă").click()
    page.get_by_role("menuitem", name="CSV").click()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Descarcă .+\.csv \(6 rânduri\)$")).click()
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 1 + 6
    assert all("Asociatia" in row for row in rows[1:])
    page.get_by_role("button", name="Șterge filtrele").click()
    expect(count).to_have_text(f"{ORGANIZATIONS} de organizații")

    header = page.locator("thead th").filter(has_text="Denumire")
    header.focus()  # the keyboard sorts too
    header.press("Enter")  # ascending -> descending
    expect(page).to_have_url(re.compile(r"desc=true"))
    expect(page.locator("table tbody tr").first).to_contain_text(max(seeded.ids))
    names = table_names(page)
    assert names == sorted(names, reverse=True)

    page.goto("/organizations?kind=%22ASSOCIATION%22&tag=%22it%22")
    expect(count).to_have_text("3 organizații")


def test_the_detail_page_edits_and_reports_a_version_conflict(
    page: Page, live_system: LiveSystem, seeded: Seeded
) -> None:
    sign_in(page, path="/organizations?q=%22Cetate%20Soft%20SRL%2001%22")
    page.get_by_role("link", name="Cetate Soft SRL 01").click()
    expect(page.get_by_role("heading", name="Cetate Soft SRL 01")).to_be_visible()
    expect(page.get_by_text("Ioana Mureșan")).to_be_visible()
    expect(page.get_by_text("Director general")).to_be_visible()
    expect(page.get_by_text("Parteneriat hub digital")).to_be_visible()
    expect(page.get_by_text("De urmărit până la 20.12.2026")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "organization")

    page.get_by_role("button", name="Modifică").click()
    page.get_by_label("Site web").fill("https://cetate.example")
    page.get_by_label("E-mailuri").fill("nu-e-adresa")
    page.get_by_role("button", name="Salvează").click()
    expect(page.get_by_text("Adresă de e-mail invalidă.")).to_be_visible()
    expect(page.get_by_label("Site web")).to_have_value("https://cetate.example")
    page.get_by_label("E-mailuri").fill("birou@cetate.example")
    page.get_by_role("button", name="Salvează").click()
    expect(page.get_by_text("https://cetate.example")).to_be_visible()

    # Someone else saves while this user edits: a conflict, the edits kept, a reload offered.
    page.get_by_role("button", name="Modifică").click()
    page.get_by_label("Note", exact=True).fill("nota mea")
    live_system.graphql(
        UPDATE, {"input": {"id": seeded.detailed, "shortName": "Cetate", "expectedVersion": 2}}
    )
    page.get_by_role("button", name="Salvează").click()
    alert = page.get_by_role("alert").filter(has_text="Fișa a fost modificată între timp")
    expect(alert).to_contain_text("versiunea 3")
    expect(alert).to_contain_text("Denumire scurtă")
    screenshot(page, "organization-conflict")
    expect(page.get_by_label("Note", exact=True)).to_have_value("nota mea")
    page.get_by_role("button", name="Reîncarcă").click()
    expect(page.get_by_role("button", name="Modifică")).to_be_visible()
    expect(page.locator("td", has_text=re.compile("^Cetate$"))).to_be_visible()


def test_create_checks_the_cui_as_typed_and_names_the_holder_of_a_taken_one(
    page: Page, seeded: Seeded
) -> None:
    sign_in(page, path="/organizations/new")
    expect(page.get_by_role("heading", name="Organizație nouă")).to_be_visible()
    page.locator("input[name=legalName]").fill("Noua Firma Digitala SRL")
    cui = page.get_by_label("CUI")
    cui.fill(valid_cui(1)[:-1] + str((int(valid_cui(1)[-1]) + 1) % 10))
    expect(page.get_by_text("CUI invalid: cifra de control nu se potrivește.")).to_be_visible()
    page.get_by_role("button", name="Creează organizația").click()
    expect(page).to_have_url(re.compile(r"/organizations/new$"))

    cui.fill(f"RO{valid_cui(1)}")
    expect(page.get_by_text("CUI valid")).to_be_visible()
    warning = page.get_by_test_id("duplicate-warning")
    expect(warning).to_contain_text("Cetate Soft SRL 01")
    expect(warning).to_contain_text("același CUI")
    assert_accessible(page)
    screenshot(page, "organization-new")
    page.get_by_role("button", name="Creează organizația").click()
    expect(
        page.get_by_text("Acest CUI aparține deja organizației „Cetate Soft SRL 01”.")
    ).to_be_visible()
    expect(page.locator("input[name=legalName]")).to_have_value("Noua Firma Digitala SRL")

    cui.fill(valid_cui(99))
    page.get_by_label("Etichete").fill("digital, hub")
    page.get_by_role("button", name="Creează organizația").click()
    expect(page.get_by_role("heading", name="Noua Firma Digitala SRL")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/organizations/[A-Za-z0-9%]+$"))


def test_a_viewer_is_refused_an_edit_in_romanian(page: Page, seeded: Seeded) -> None:
    sign_in(page, username="viewer", path=f"/organizations/{seeded.detailed}")
    page.get_by_role("button", name="Modifică").click()
    page.get_by_label("Note", exact=True).fill("încercare")
    page.get_by_role("button", name="Salvează").click()
    expect(page.get_by_role("alert")).to_have_text("Nu aveți dreptul să faceți această operațiune.")
    expect(page.get_by_label("Note", exact=True)).to_have_value("încercare")


def test_the_language_choice_is_remembered(page: Page, seeded: Seeded) -> None:
    sign_in(page, path="/organizations")
    expect(page.get_by_role("heading", name="Organizații")).to_be_visible()
    page.get_by_text("EN", exact=True).click()
    expect(page.get_by_role("heading", name="Organisations")).to_be_visible()
    expect(page.get_by_test_id("organizations-count")).to_have_text(
        re.compile(r"^\d+ organisations$")
    )
    page.reload()
    expect(page.get_by_role("heading", name="Organisations")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"


def test_parallel_requests_in_two_tabs_renew_the_session_once(
    context: BrowserContext, seeded: Seeded
) -> None:
    first = context.new_page()
    sign_in(first, path="/organizations")
    second = context.new_page()
    renewals: list[Any] = []
    for tab in (first, second):
        tab.on(
            "request",
            lambda request: (
                renewals.append(request) if "refreshSession" in (request.post_data or "") else None
            ),
        )
    # Both tabs find the access token expired at once: one renewal serves both.
    first.evaluate(
        """() => {
          const session = JSON.parse(localStorage.getItem('punte.session'));
          session.expiresAt = new Date(Date.now() - 1000).toISOString();
          localStorage.setItem('punte.session', JSON.stringify(session));
        }"""
    )
    first.reload(wait_until="commit")
    second.goto(f"/organizations/{seeded.detailed}")
    for tab in (first, second):
        expect(tab.get_by_test_id("current-user")).to_be_visible()
    expect(first.get_by_test_id("organizations-count")).to_be_visible()
    expect(second.get_by_role("heading", name="Cetate Soft SRL 01")).to_be_visible()
    assert len(renewals) == 1
    first.reload()
    expect(first.get_by_test_id("organizations-count")).to_be_visible()
    expect(first).to_have_url(re.compile(r"/organizations"))


def test_people_are_searched_and_a_person_shows_affiliations_and_consents(
    page: Page, seeded: Seeded
) -> None:
    sign_in(page, path="/people")
    count = page.get_by_test_id("people-count")
    expect(count).to_have_text(re.compile(r"^\d+ (persoană|persoane|de persoane)$"))
    page.get_by_role("searchbox").fill("muresan")  # no diacritics typed: still found
    expect(page).to_have_url(re.compile(r"q=muresan"))
    page.get_by_role("link", name="Ioana Mureșan").first.click()
    expect(page.get_by_role("heading", name="Ioana Mureșan")).to_be_visible()
    expect(page.get_by_text("buletin informativ prin e-mail: acord dat")).to_be_visible()
    expect(page.get_by_text("Parteneriat hub digital")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "person")

    page.get_by_role("button", name="Înregistrează o interacțiune").click()
    page.get_by_role("button", name="Înregistrează", exact=True).click()
    expect(page.get_by_text("Câmpul este obligatoriu.")).to_be_visible()
    page.get_by_label("Subiect").fill("Apel despre bursa locurilor de muncă")
    page.get_by_label("Rezumat").fill("Confirmă participarea.")
    page.get_by_label("De urmărit până la (opțional)").fill("2027-01-15")
    page.get_by_role("button", name="Înregistrează", exact=True).click()
    expect(page.get_by_text("Apel despre bursa locurilor de muncă")).to_be_visible()
    expect(page.get_by_text("De urmărit până la 15.01.2027")).to_be_visible()
    page.get_by_role("link", name="Cetate Soft SRL 01").click()
    expect(page.get_by_role("heading", name="Cetate Soft SRL 01")).to_be_visible()


def test_an_admin_sees_each_services_health_and_others_have_no_such_screen(page: Page) -> None:
    sign_in(page, path="/organizations")
    expect(page.get_by_role("link", name="Organizații")).to_be_visible()
    expect(page.get_by_role("link", name="Sistem")).to_have_count(0)
    page.get_by_role("button", name="Ieși din cont").click()
    sign_in(page, username="admin", path="/organizations")
    page.get_by_role("link", name="Sistem").click()
    expect(page.get_by_role("heading", name="Starea sistemului")).to_be_visible()
    contacts = page.locator("tbody tr").filter(has_text="contacts")
    expect(contacts).to_contain_text("funcționează")
    # Only contacts and the gateway run here: the events service does not answer.
    expect(page.locator("tbody tr").filter(has_text="events")).to_contain_text("indisponibil")
    assert_accessible(page)
    screenshot(page, "system")


def test_a_new_person_names_a_likely_duplicate_and_keeps_the_form_on_an_error(
    page: Page, seeded: Seeded
) -> None:
    sign_in(page, path="/people")
    page.get_by_role("link", name="Persoană nouă").click()
    page.get_by_label("Prenume").fill("Ioana")
    page.get_by_label("Nume de familie").fill("Mureșan")
    warning = page.get_by_test_id("duplicate-warning")
    expect(warning).to_contain_text("Ioana Mureșan")
    expect(warning).to_contain_text("același nume")
    page.get_by_label("E-mailuri").fill("nu-e-adresa")
    page.get_by_role("button", name="Adaugă persoana").click()
    expect(page.get_by_text("Adresă de e-mail invalidă.")).to_be_visible()
    expect(page.get_by_label("Nume de familie")).to_have_value("Mureșan")
    assert_accessible(page)
    screenshot(page, "person-new")
    page.get_by_label("E-mailuri").fill("ioana.muresan@cetate.example")
    page.get_by_role("button", name="Adaugă persoana").click()
    expect(page.get_by_role("heading", name="Ioana Mureșan")).to_be_visible()
    expect(page.get_by_text("ioana.muresan@cetate.example")).to_be_visible()
