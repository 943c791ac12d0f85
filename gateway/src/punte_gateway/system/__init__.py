"""System status of the whole deployment."""
