"""Authentication failures."""


class AuthenticationError(Exception):
    """The credentials were present but not acceptable (malformed, forged, expired, revoked)."""
