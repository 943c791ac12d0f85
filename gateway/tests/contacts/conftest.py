"""A gateway with the contacts service behind it, a writer and a viewer."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from punte_platform.runtime import ServiceRuntime

from ..auth.conftest import StaffGateway, StaffGatewayFactory, staff, staff_gateway_factory

__all__ = ["staff", "staff_gateway_factory"]

ORG_FIELDS = """
  id kind legalName shortName cui tradeRegister caenCodes { code revision }
  address { street locality county postalCode country } website emails phones sectors
  sizeBand tags ownerId department source status notes version createdAt updatedAt
  mergedIntoId
"""
PERSON_FIELDS = """
  id honorific givenName familyName jobTitle emails phones preferredLanguage tags ownerId
  notes version createdAt updatedAt
"""
ERRORS = "userErrors { field code message }"

CREATE_ORG = f"""
mutation ($input: CreateOrganizationInput!) {{
  createOrganization(input: $input) {{ organization {{ {ORG_FIELDS} }} {ERRORS} }}
}}
"""
UPDATE_ORG = f"""
mutation ($input: UpdateOrganizationInput!) {{
  updateOrganization(input: $input) {{ organization {{ {ORG_FIELDS} }} {ERRORS} }}
}}
"""
CREATE_PERSON = f"""
mutation ($input: CreatePersonInput!) {{
  createPerson(input: $input) {{ person {{ {PERSON_FIELDS} }} {ERRORS} }}
}}
"""
ADD_AFFILIATION = f"""
mutation ($input: AddAffiliationInput!) {{
  addAffiliation(input: $input) {{
    affiliation {{ id role isPrimary current endDate organization {{ id legalName }} }}
    {ERRORS}
  }}
}}
"""


@dataclass
class Crm:
    """The gateway, tokens of a writer (business liaison) and a reader (viewer)."""

    gw: StaffGateway
    services: dict[str, ServiceRuntime]
    writer: str
    viewer: str

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run as the writer; must succeed without top-level errors."""
        return await self.gw.data(query, variables, self.writer)

    async def mutate(self, query: str, input: dict[str, Any]) -> dict[str, Any]:
        """Run a mutation as the writer; its payload."""
        data = await self.data(query, {"input": input})
        payload: dict[str, Any] = next(iter(data.values()))
        return payload

    async def organization(self, **values: Any) -> dict[str, Any]:
        """Create an organisation that must succeed."""
        payload = await self.mutate(CREATE_ORG, {"kind": "COMPANY", **values})
        assert payload["userErrors"] == [], payload
        org: dict[str, Any] = payload["organization"]
        return org

    async def person(self, **values: Any) -> dict[str, Any]:
        """Create a person that must succeed."""
        payload = await self.mutate(CREATE_PERSON, values)
        assert payload["userErrors"] == [], payload
        person: dict[str, Any] = payload["person"]
        return person

    async def affiliate(
        self, person_id: str, organization_id: str, **values: Any
    ) -> dict[str, Any]:
        """Link a person to an organisation; must succeed."""
        payload = await self.mutate(
            ADD_AFFILIATION, {"personId": person_id, "organizationId": organization_id, **values}
        )
        assert payload["userErrors"] == [], payload
        affiliation: dict[str, Any] = payload["affiliation"]
        return affiliation


@pytest.fixture
def service_names() -> tuple[str, ...]:
    """These tests reach the contacts service alone."""
    return ("contacts",)


@pytest.fixture
async def crm(
    staff_gateway_factory: StaffGatewayFactory, services: dict[str, ServiceRuntime]
) -> AsyncIterator[Crm]:
    async with staff_gateway_factory() as gw:
        await gw.add_user("liaison", ["business_liaison"])
        await gw.add_user("viewer", ["viewer"])
        yield Crm(
            gw=gw,
            services=services,
            writer=await gw.token("liaison"),
            viewer=await gw.token("viewer"),
        )
