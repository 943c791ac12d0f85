"""Demo accounts, one per role, for development only: production never creates them."""

import logging

from punte_platform.errors import ServiceError
from punte_platform.runtime import ServiceRuntime
from punte_platform.settings import Environment

from punte_gateway.auth.permissions import Role
from punte_gateway.settings import GatewaySettings
from punte_gateway.users import repository
from punte_gateway.users.service import NewUser, create_user

log = logging.getLogger(__name__)

DEMO_PASSWORD = "punte-demo"  # noqa: S105 (development only, stated in the README)
DEMO_ACTOR = "system:demo"

# Username = role; a Romanian name (with its diacritics) and a department for each.
DEMO_PEOPLE: dict[Role, tuple[str, str]] = {
    Role.ADMIN: ("Ioana Popescu-Mureșan", "relatii-comunitare"),
    Role.BUSINESS_LIAISON: ("Andrei Țurcanu", "mediul-de-afaceri"),
    Role.PRESS_OFFICE: ("Mădălina Știrbu", "biroul-de-presa"),
    Role.CULTURE: ("Irina Bălănescu", "cultura"),
    Role.TOURISM: ("Sorin Dumitrașcu", "turism"),
    Role.REGISTRY: ("Elena Sârbu", "registratura"),
    Role.VIEWER: ("Cătălin Ionescu-Țigănuș", "relatii-comunitare"),
}


def demo_users_enabled(settings: GatewaySettings) -> bool:
    """Demo accounts exist only in development, and only while `demo_users` is on."""
    return settings.environment is Environment.DEVELOPMENT and settings.demo_users


async def ensure_demo_users(runtime: ServiceRuntime, settings: GatewaySettings) -> None:
    """Create the demo accounts that are missing (idempotent; existing ones are left alone)."""
    if not demo_users_enabled(settings):
        return
    try:
        async with runtime.uow.transaction() as session:
            taken = await repository.existing_usernames(session, [r.value for r in DEMO_PEOPLE])
            for role, (display_name, department) in DEMO_PEOPLE.items():
                if role.value in taken:
                    continue
                await create_user(
                    session,
                    NewUser(
                        username=role.value,
                        display_name=display_name,
                        password=DEMO_PASSWORD,
                        roles=[role.value],
                        email=f"{role.value.replace('_', '.')}@primaria.example",
                        department=department,
                    ),
                    principal=None,
                    actor=DEMO_ACTOR,
                    password_rules=False,
                )
    except ServiceError as error:
        # Another gateway replica created them at the same moment: theirs will do.
        log.info("demo users not created here: %s", error)
        return
    log.info("demo users ready, one per role (development only)")


async def demo_users_on_start(runtime: ServiceRuntime) -> None:
    """`ServiceDefinition.on_start` hook: the demo accounts, with the runtime's own settings."""
    settings = runtime.settings
    if isinstance(settings, GatewaySettings):
        await ensure_demo_users(runtime, settings)
