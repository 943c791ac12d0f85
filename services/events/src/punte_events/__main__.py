"""`python -m punte_events`: run the events service."""

from punte_platform.entrypoint import serve

from punte_events.app import create_app
from punte_events.settings import EventsSettings


def main() -> None:
    """Serve the events service on its configured host and port."""
    settings = EventsSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
