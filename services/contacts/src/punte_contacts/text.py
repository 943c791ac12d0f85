"""Romanian text: NFC with comma-below ș/ț, and the folded key search matches on."""

import unicodedata

from punte_contracts.fields import romanian

# NFC, cedilla ş/ţ (and capitals) mapped to comma-below ș/ț: what the contracts' text types do.
normalize_text = romanian


def normalize_optional(value: str | None) -> str | None:
    """`normalize_text`, keeping None, and turning an empty string into None."""
    if value is None:
        return None
    value = normalize_text(value).strip()
    return value or None


def search_key(*parts: str | None) -> str:
    """Lowercase, no diacritics (ă â î ș ț → a a i s t, and any other mark), single spaces.

    "Timișoara", "Timişoara" and "TIMISOARA" share the key "timisoara".
    """
    text = " ".join(p for p in parts if p)
    decomposed = unicodedata.normalize("NFKD", normalize_text(text).casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = "".join(c if c.isalnum() else " " for c in stripped)
    return " ".join(cleaned.split())
