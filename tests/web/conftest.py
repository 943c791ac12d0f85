"""Browser tests of the staff web UI: Debian's Chromium, driven by Playwright, on the real system.

A background thread runs the contacts service and the gateway (under uvicorn, serving the UI's
build) on the tests' nats-server and fresh databases; the browser talks to it over HTTP.
"""

import asyncio
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Route,
    expect,
    sync_playwright,
)
from punte_contacts.app import definition as contacts_definition
from punte_contacts.settings import ContactsSettings
from punte_gateway.app import create_app
from punte_gateway.app import definition as gateway_definition
from punte_gateway.settings import GatewaySettings
from punte_gateway.users.service import NewUser, create_user
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.databases import TestDatabases
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.services import running_service, test_settings

ROOT = Path(__file__).resolve().parents[2]
WEB_DIST = ROOT / "web" / "dist"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
# Set to write each screen's PNG under docs/screens/ (not PUNTE_...: the plugin clears those).
SCREENSHOTS_VARIABLE = "WEB_SCREENSHOTS"
SCREENSHOTS = ROOT / "docs" / "screens"
# The gateway's production policy: the UI must work under it (no inline script, no eval).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
)
PASSWORD = "punte-demo-browser-tests"
# Demo-like accounts: the username is the role, as `make up`'s demo users.
USERS = {
    "admin": ("Ioana Popescu-Mureșan", "relatii-comunitare"),
    "business_liaison": ("Andrei Țurcanu", "mediul-de-afaceri"),
    "viewer": ("Cătălin Ionescu-Țigănuș", "relatii-comunitare"),
}
START_TIMEOUT = 60.0
# Generous for a loaded 2-core machine running the rest of the suite beside the browser.
ACTION_TIMEOUT_MS = 20_000
expect.set_options(timeout=15_000)


def chromium_path() -> str | None:
    """Debian's Chromium, if installed (`make test` installs it)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def missing(reason: str) -> None:
    """Skip on a developer's machine; with CI=true a missing part fails the run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI never skips the browser tests)")
    pytest.skip(reason)


@dataclass
class LiveSystem:
    """The gateway's address and the seeded organisations, with a GraphQL client for set-up."""

    url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def _headers(self, client: httpx.Client, user: str) -> dict[str, str]:
        """A user's bearer header, signing in on first use."""
        if user not in self.tokens:
            login = client.post(
                "/graphql",
                json={
                    "query": "mutation ($u: String!, $p: String!) { login(input: "
                    "{username: $u, password: $p}) { accessToken } }",
                    "variables": {"u": user, "p": PASSWORD},
                },
            ).json()
            self.tokens[user] = login["data"]["login"]["accessToken"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def graphql(
        self, query: str, variables: dict[str, Any] | None = None, user: str = "business_liaison"
    ) -> dict[str, Any]:
        """Run one operation as a user; its data (top-level errors fail the test)."""
        with httpx.Client(base_url=self.url, timeout=30) as client:
            body = client.post(
                "/graphql",
                json={"query": query, "variables": variables or {}},
                headers=self._headers(client, user),
            ).json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    def upload(self, filename: str, content: bytes, user: str = "business_liaison") -> str:
        """Stage a file as `POST /uploads` does for the UI; its id."""
        with httpx.Client(base_url=self.url, timeout=30) as client:
            response = client.post(
                "/uploads",
                params={"filename": filename},
                content=content,
                headers={**self._headers(client, user), "Content-Type": "text/csv"},
            )
        assert response.status_code == 201, response.text
        staged_id: str = response.json()["id"]
        return staged_id


async def _add_users(runtime: ServiceRuntime) -> None:
    async with runtime.uow.transaction() as session:
        for username, (display_name, department) in USERS.items():
            await create_user(
                session,
                NewUser(
                    username=username,
                    display_name=display_name,
                    password=PASSWORD,
                    roles=[username],
                    email=f"{username}@primaria.example",
                    department=department,
                ),
                principal=None,
                actor="system:test",
            )


def _serve(
    nats_url: str, databases: TestDatabases, started: "Future[LiveSystem]", stop: threading.Event
) -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            contacts = contacts_definition()
            await stack.enter_async_context(
                running_service(
                    contacts,
                    test_settings(
                        ContactsSettings,
                        nats_url=nats_url,
                        database_url=await databases.for_service(contacts),
                    ),
                )
            )
            settings = test_settings(
                GatewaySettings,
                nats_url=nats_url,
                database_url=await databases.for_service(gateway_definition()),
                web_dir=WEB_DIST,
                health_timeout=0.5,
            )
            app = create_app(settings)
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
            serving = asyncio.create_task(server.serve(sockets=[sock]))
            while not server.started:
                if serving.done():
                    serving.result()
                await asyncio.sleep(0.05)
            await _add_users(app.state.runtime)
            started.set_result(LiveSystem(url=f"http://127.0.0.1:{port}"))
            await asyncio.to_thread(stop.wait)
            server.should_exit = True
            await serving

    try:
        asyncio.run(main())
    except BaseException as error:
        if not started.done():
            started.set_exception(error)
        raise


@pytest.fixture(scope="module")
def live_system(nats_server: NatsServer, test_databases: TestDatabases) -> Iterator[LiveSystem]:
    """The contacts service and the gateway serving the UI, reachable by the browser."""
    if not (WEB_DIST / "index.html").is_file():
        missing(f"no web UI build in {WEB_DIST}: `make web` builds it")
    started: Future[LiveSystem] = Future()
    stop = threading.Event()
    thread = threading.Thread(
        target=_serve, args=(nats_server.url, test_databases, started, stop), daemon=True
    )
    thread.start()
    try:
        yield started.result(timeout=START_TIMEOUT)
    finally:
        stop.set()
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless (`playwright install` cannot download browsers here)."""
    path = chromium_path()
    if path is None:
        missing("Chromium is not installed (`apt-get install chromium`; `make test` does)")
    assert path is not None
    browser = playwright.chromium.launch(executable_path=path)
    yield browser
    browser.close()


def _with_csp(route: Route) -> None:
    """Serve each page under the production CSP, whatever this gateway sends."""
    if route.request.resource_type != "document":
        route.continue_()
        return
    response = route.fetch()
    route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})


@pytest.fixture
def context(browser: Browser, live_system: LiveSystem) -> Iterator[BrowserContext]:
    """A fresh browser profile (no session, no language chosen) where the CSP is enforced."""
    context = browser.new_context(base_url=live_system.url, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.route("**/*", _with_csp)
    refused: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    context.on("page", lambda page: page.on("console", watch))
    yield context
    context.close()
    assert refused == [], refused


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def sign_in(page: Page, username: str = "business_liaison", path: str = "/") -> None:
    """Sign in through the login page, as a person does, landing on `path`."""
    page.goto(path)
    page.get_by_label("Utilizator").fill(username)
    page.get_by_label("Parolă").fill(PASSWORD)
    page.get_by_role("button", name="Intră în cont").click()
    page.get_by_test_id("current-user").wait_for()


def assert_accessible(page: Page) -> None:
    """axe-core on the page as shown: no serious or critical violation."""
    # Evaluated by the driver, not added as a <script>: the page's CSP allows no inline script.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}))"
    )
    assert result == [], result


def screenshot(page: Page, name: str) -> None:
    """Write the screen as docs/screens/<name>.png when WEB_SCREENSHOTS is set."""
    if os.environ.get(SCREENSHOTS_VARIABLE):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
