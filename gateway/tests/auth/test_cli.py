"""`punte-admin create-admin`: the first admin of a fresh deployment, from a shell."""

import asyncio
import os
import sys
from pathlib import Path

from punte_gateway.app import create_app
from punte_gateway.settings import GatewaySettings
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.services import running_app, test_settings

LOGIN = """
mutation ($u: String!, $p: String!) {
  login(input: {username: $u, password: $p}) { user { roles displayName } userErrors { code } }
}
"""


async def punte_admin(
    database_url: str, cwd: Path, *args: str, stdin: str = ""
) -> tuple[int, str, str]:
    """Run the CLI as a process against a database; exit status, stdout and stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUNTE_")}
    env.update(
        PUNTE_GATEWAY_DATABASE_URL=database_url, PUNTE_ENVIRONMENT="test", PUNTE_LOG_JSON="false"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "punte_gateway.cli",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=cwd,  # away from any developer's .env
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_create_admin_migrates_and_creates_a_working_admin(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> None:
    code, out, err = await punte_admin(
        database_url,
        tmp_path,
        "create-admin",
        "--username",
        "Ioana.Popescu",
        "--display-name",
        "Ioana Popescu-Mureșan",
        "--password-stdin",
        stdin="o parolă lungă și bună\n",
    )
    assert code == 0, err
    assert out.startswith("created admin ioana.popescu (")
    settings = test_settings(GatewaySettings, nats_url=nats_server.url, database_url=database_url)
    async with running_app(create_app(settings)) as client:
        response = await client.post(
            "/graphql",
            json={
                "query": LOGIN,
                "variables": {"u": "ioana.popescu", "p": "o parolă lungă și bună"},
            },
        )
    login = response.json()["data"]["login"]
    assert login["userErrors"] == []
    assert login["user"] == {"roles": ["admin"], "displayName": "Ioana Popescu-Mureșan"}


async def test_create_admin_refuses_a_taken_username_and_a_short_password(
    database_url: str, tmp_path: Path
) -> None:
    args = ("create-admin", "--username", "admin", "--password-stdin")
    assert (await punte_admin(database_url, tmp_path, *args, stdin="destul-de-lunga\n"))[0] == 0
    code, _, err = await punte_admin(database_url, tmp_path, *args, stdin="destul-de-lunga\n")
    assert code == 1
    assert "taken" in err
    code, _, err = await punte_admin(
        database_url,
        tmp_path,
        "create-admin",
        "--username",
        "alt",
        "--password-stdin",
        stdin="scurta\n",
    )
    assert code == 1
    assert "at least 12 characters" in err
