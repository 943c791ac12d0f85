"""`punte-admin`: administration from a shell, e.g. creating the first admin of a deployment.

punte-admin create-admin --username ioana.popescu --display-name "Ioana Popescu"
echo "$PASSWORD" | punte-admin create-admin --username ioana.popescu --password-stdin
"""

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence

from punte_platform.db import UnitOfWork, create_engine, create_session_factory
from punte_platform.errors import ServiceError
from punte_platform.migrations import upgrade_to_head

from punte_gateway.app import definition
from punte_gateway.auth.permissions import Role
from punte_gateway.settings import GatewaySettings
from punte_gateway.users.service import NewUser, create_user, normalise_username

CLI_ACTOR = "system:cli"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="punte-admin", description="Punte administration")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser(
        "create-admin",
        help="create a user with the admin role (migrates the gateway's database first)",
    )
    create.add_argument("--username", required=True)
    create.add_argument("--display-name", help="defaults to the username")
    create.add_argument("--email")
    create.add_argument("--department", help="a code such as relatii-comunitare")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin instead of prompting",
    )
    return parser


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != password:
        raise SystemExit("the passwords differ")
    return password


async def create_admin(settings: GatewaySettings, new: NewUser) -> str:
    """Migrate the gateway's database, then create the admin; the new user's id."""
    migrations = definition().migrations
    assert migrations is not None
    engine = create_engine(settings.database_url)
    try:
        await upgrade_to_head(engine, migrations)
        uow = UnitOfWork(create_session_factory(engine))
        async with uow.transaction() as session:
            user = await create_user(session, new, principal=None, actor=CLI_ACTOR)
        return str(user.id)
    finally:
        await engine.dispose()


def _describe(error: ServiceError) -> str:
    fields = "; ".join(f"{'.'.join(map(str, f.path))}: {f.message}" for f in error.body.fields)
    return f"{error.body.message}" + (f" ({fields})" if fields else "")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status is 0 on success, 1 when the command was refused."""
    args = _parser().parse_args(argv)
    settings = GatewaySettings()
    if args.command == "create-admin":
        new = NewUser(
            username=args.username,
            display_name=args.display_name or args.username,
            password=_read_password(args.password_stdin),
            roles=[Role.ADMIN.value],
            email=args.email,
            department=args.department,
        )
        try:
            user_id = asyncio.run(create_admin(settings, new))
        except ServiceError as error:
            sys.stderr.write(f"punte-admin: {_describe(error)}\n")
            return 1
        sys.stdout.write(f"created admin {normalise_username(new.username)} ({user_id})\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
