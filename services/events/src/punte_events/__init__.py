"""Punte events service."""
