"""Files staged between the gateway and the services (uploads to import, exports to download).

A staged file lives in a JetStream object store for a limited time (a day by default); requests
carry its `id`, never its bytes, so a file may be far larger than one NATS message.
"""

from typing import Annotated

from pydantic import Field, StringConstraints

from punte_contracts.rpc import Contract

STAGED_FILE_MAX_BYTES = 50_000_000

FileName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
MediaType = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class StagedFile(Contract):
    """A staged file's description: its id, name, media type, size and SHA-256 (hex)."""

    id: str = Field(min_length=1, max_length=64)
    filename: FileName
    media_type: MediaType
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
