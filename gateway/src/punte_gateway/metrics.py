"""Who may read the gateway's `/metrics`: the gateway faces the public, unlike the services."""

import hmac

from fastapi import HTTPException, Request

from punte_gateway.settings import GatewaySettings


async def metrics_guard(request: Request) -> None:
    """Prometheus with the metrics token; without a token set, anyone in development and no
    one in production (404)."""
    settings = request.app.state.runtime.settings
    assert isinstance(settings, GatewaySettings)
    token = settings.metrics_token.get_secret_value()
    if not token:
        if settings.is_production:
            raise HTTPException(404)
        return
    given = request.headers.get("authorization", "").encode()
    if not hmac.compare_digest(given, f"Bearer {token}".encode()):
        raise HTTPException(
            401, "the metrics token is missing or wrong", {"WWW-Authenticate": "Bearer"}
        )
