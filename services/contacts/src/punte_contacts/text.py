"""Romanian text: NFC with comma-below ș/ț, and the folded key search matches on (the
platform's `search_key`)."""

from punte_contracts.fields import romanian
from punte_platform.search import search_key

__all__ = ["normalize_optional", "normalize_text", "search_key"]

# NFC, cedilla ş/ţ (and capitals) mapped to comma-below ș/ț: what the contracts' text types do.
normalize_text = romanian


def normalize_optional(value: str | None) -> str | None:
    """`normalize_text`, keeping None, and turning an empty string into None."""
    if value is None:
        return None
    value = normalize_text(value).strip()
    return value or None
