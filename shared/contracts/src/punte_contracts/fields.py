"""Field types every domain's contracts share: Romanian text, names, notes, tags, e-mails."""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

MAX_NAME = 300
MAX_SHORT_TEXT = 200
MAX_NOTES = 20_000
MAX_TAG = 60
MAX_EMAIL = 320

# Cedilla forms (old keyboards, old texts) to the correct comma-below letters.
_CEDILLA_TO_COMMA = str.maketrans(
    {"\u015f": "\u0219", "\u0163": "\u021b", "\u015e": "\u0218", "\u0162": "\u021a"}
)


def romanian(value: str) -> str:
    """NFC, cedilla ş/ţ (and capitals) mapped to comma-below ș/ț."""
    return unicodedata.normalize("NFC", value).translate(_CEDILLA_TO_COMMA)


def _trimmed(max_length: int, min_length: int = 0) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


_Romanian = AfterValidator(romanian)

# Trimmed Romanian text of any length (bound it with a further `StringConstraints`).
RomanianText = Annotated[str, StringConstraints(strip_whitespace=True), _Romanian]
Name = Annotated[str, _trimmed(MAX_NAME, 1), _Romanian]
ShortText = Annotated[str, _trimmed(MAX_SHORT_TEXT), _Romanian]
# Notes keep their leading and trailing blank lines.
Notes = Annotated[str, StringConstraints(max_length=MAX_NOTES), _Romanian]
Tag = Annotated[str, _trimmed(MAX_TAG, 1), _Romanian]
# Bounded here; the service checks and normalises the address (it needs a library).
Email = Annotated[str, _trimmed(MAX_EMAIL, 1)]
