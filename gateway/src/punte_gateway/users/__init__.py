"""Staff users and their sessions (refresh tokens)."""
