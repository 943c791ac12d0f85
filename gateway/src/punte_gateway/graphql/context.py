"""Per-request GraphQL context: the caller, the runtime, DataLoaders and the transaction."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from punte_platform.context import CallContext, call_context, current_context
from punte_platform.messaging.rpc import ServiceClient
from punte_platform.runtime import ServiceRuntime
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from punte_gateway.auth.authenticate import authenticate
from punte_gateway.auth.errors import AuthenticationError
from punte_gateway.auth.principal import Principal
from punte_gateway.ratelimit import check_request
from punte_gateway.settings import GatewaySettings

LoaderT = TypeVar("LoaderT", bound=DataLoader[Any, Any])


@dataclass
class GraphQLContext(BaseContext):
    """What resolvers may use; built fresh for every request, so loaders never leak."""

    runtime: ServiceRuntime
    settings: GatewaySettings
    principal: Principal | None = None
    auth_error: str | None = None
    loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)

    @property
    def client(self) -> ServiceClient:
        """The NATS client to the domain services."""
        if self.runtime.client is None:
            raise RuntimeError("the gateway is not connected to NATS")
        return self.runtime.client

    @property
    def http_request(self) -> Request:
        """The HTTP request (GraphQL is served over HTTP only, no websockets)."""
        if not isinstance(self.request, Request):
            raise RuntimeError("GraphQL is served over HTTP only")
        return self.request

    def loader(self, name: str, factory: Callable[[], LoaderT]) -> LoaderT:
        """This request's DataLoader of that name, made on first use."""
        if name not in self.loaders:
            self.loaders[name] = factory()
        return self.loaders[name]  # type: ignore[return-value]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A transaction on the gateway's database, owned by the resolver that opens it."""
        async with self.runtime.uow.transaction() as session:
            yield session


async def get_context(request: Request) -> GraphQLContext:
    """Build the context of one GraphQL request, authenticating its caller."""
    runtime: ServiceRuntime = request.app.state.runtime
    settings = runtime.settings
    assert isinstance(settings, GatewaySettings)
    context = GraphQLContext(runtime=runtime, settings=settings)
    try:
        context.principal = await authenticate(request, runtime, settings)
    except AuthenticationError as error:
        context.auth_error = str(error)
    # After authenticating: keys and users have their own allowance, the rest their address's.
    wait = check_request(request, context.principal, settings)
    if wait is not None:
        raise HTTPException(
            status_code=429,
            detail=f"too many requests; retry in {wait}s",
            headers={"Retry-After": str(wait)},
        )
    return context


def caller_context(principal: Principal | None, base: CallContext) -> CallContext:
    """`base` with the caller as actor, and the permissions and department it holds."""
    return CallContext(
        actor=principal.actor if principal else None,
        request_id=base.request_id,
        permissions=frozenset(p.value for p in principal.permissions) if principal else frozenset(),
        department=principal.department if principal else None,
    )


@asynccontextmanager
async def acting_as(principal: Principal | None) -> AsyncIterator[CallContext]:
    """Carry the caller as the actor of every request and message this block causes."""
    with call_context(caller_context(principal, current_context())) as context:
        yield context
