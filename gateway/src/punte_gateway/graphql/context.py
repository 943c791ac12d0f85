"""Per-request GraphQL context: the gateway runtime and its service client."""

from dataclasses import dataclass

from fastapi import Request
from punte_platform.messaging.rpc import ServiceClient
from punte_platform.runtime import ServiceRuntime
from strawberry.fastapi import BaseContext

from punte_gateway.settings import GatewaySettings


@dataclass
class GraphQLContext(BaseContext):
    """What resolvers may use; built fresh for every request."""

    runtime: ServiceRuntime
    settings: GatewaySettings

    @property
    def client(self) -> ServiceClient:
        """The NATS client to the domain services."""
        if self.runtime.client is None:
            raise RuntimeError("the gateway is not connected to NATS")
        return self.runtime.client


async def get_context(request: Request) -> GraphQLContext:
    """Build the context of one GraphQL request."""
    runtime: ServiceRuntime = request.app.state.runtime
    settings = runtime.settings
    assert isinstance(settings, GatewaySettings)
    return GraphQLContext(runtime=runtime, settings=settings)
