"""`python -m punte_gateway`: run the gateway."""

from punte_platform.entrypoint import serve

from punte_gateway.app import create_app
from punte_gateway.settings import GatewaySettings


def main() -> None:
    """Serve the gateway on its configured host and port."""
    settings = GatewaySettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
