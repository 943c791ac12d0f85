"""`python -m punte_partnerships`: run the partnerships service."""

from punte_platform.entrypoint import serve

from punte_partnerships.app import create_app
from punte_partnerships.settings import PartnershipsSettings


def main() -> None:
    """Serve the partnerships service on its configured host and port."""
    settings = PartnershipsSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
