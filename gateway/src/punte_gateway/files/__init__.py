"""Staged files through the gateway: uploads to import, signed links to download exports."""
