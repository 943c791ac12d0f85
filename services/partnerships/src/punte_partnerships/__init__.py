"""Punte partnerships service."""
