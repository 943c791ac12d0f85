"""`python -m punte_contacts`: run the contacts service."""

from punte_platform.entrypoint import serve

from punte_contacts.app import create_app
from punte_contacts.settings import ContactsSettings


def main() -> None:
    """Serve the contacts service on its configured host and port."""
    settings = ContactsSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
