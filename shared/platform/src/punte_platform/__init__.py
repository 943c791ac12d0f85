"""Punte package."""
