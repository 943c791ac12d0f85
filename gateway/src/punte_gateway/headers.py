"""Security headers on every response of the gateway (the web UI's origin)."""

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from punte_gateway.ratelimit import is_trusted_proxy
from punte_gateway.settings import GatewaySettings

# The web UI is a Vite build served from this origin: its scripts are files of the origin,
# Mantine injects <style> elements at run time (hence 'unsafe-inline' for styles only), icons
# may be data: URLs, and it talks to this origin only.
APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# GraphiQL (development only) runs an inline script and loads its bundle from unpkg.com.
GRAPHIQL_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://unpkg.com; "
    "style-src 'self' 'unsafe-inline' https://unpkg.com; img-src 'self' data:; "
    "font-src 'self' data: https://unpkg.com; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """Adds CSP, frame denial, nosniff, a referrer policy and (over TLS) HSTS to responses."""

    def __init__(
        self, app: ASGIApp, *, settings: GatewaySettings, graphiql_path: str | None
    ) -> None:
        self.app = app
        self.settings = settings
        self.graphiql_path = graphiql_path

    def _over_tls(self, scope: Scope) -> bool:
        if scope.get("scheme") == "https":
            return True
        client = scope.get("client")
        if client is None or not is_trusted_proxy(client[0], self.settings):
            return False
        forwarded = Headers(scope=scope).get("x-forwarded-proto", "").split(",")[-1].strip().lower()
        return forwarded == "https"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        graphiql = (
            self.graphiql_path is not None
            and scope["method"] == "GET"
            and scope["path"].rstrip("/") == self.graphiql_path
        )
        csp = GRAPHIQL_CSP if graphiql else APP_CSP
        tls = self._over_tls(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", csp)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                if tls:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
