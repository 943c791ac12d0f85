"""Punte contacts service."""
