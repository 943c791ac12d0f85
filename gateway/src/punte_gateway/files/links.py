"""Signed, expiring download links: whoever holds one may fetch that one file until it expires."""

import hashlib
import hmac
import time
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from punte_gateway.settings import GatewaySettings

DOWNLOADS_PATH = "/downloads"
_KEY_LABEL = b"punte-gateway-download-links-v1"


def _key(settings: GatewaySettings) -> bytes:
    """A key of its own, derived so no other use of secret_key shares it."""
    secret = settings.secret_key.get_secret_value().encode()
    return hmac.new(secret, _KEY_LABEL, hashlib.sha256).digest()


def signature(settings: GatewaySettings, file_id: str, expires: int) -> str:
    """The HMAC-SHA256 of a file id and an expiry instant (Unix seconds), hex."""
    message = f"{file_id}\n{expires}".encode()
    return hmac.new(_key(settings), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class DownloadLink:
    """A gateway path to one staged file, and when it stops working."""

    url: str
    expires: int


def sign(settings: GatewaySettings, file_id: str, now: float | None = None) -> DownloadLink:
    """A link to a staged file valid for `download_link_ttl_seconds`."""
    expires = int(now if now is not None else time.time()) + settings.download_link_ttl_seconds
    query = urlencode({"expires": expires, "signature": signature(settings, file_id, expires)})
    return DownloadLink(url=f"{DOWNLOADS_PATH}/{quote(file_id, safe='')}?{query}", expires=expires)


class LinkRefused(Exception):
    """A link that is not honoured: tampered (403) or expired (410)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def verify(
    settings: GatewaySettings,
    file_id: str,
    expires: str | None,
    given: str | None,
    now: float | None = None,
) -> None:
    """Check a link's signature, then its expiry; raises LinkRefused."""
    if not expires or not given or not expires.isdigit():
        raise LinkRefused(403, "forbidden", "the download link is incomplete or altered")
    expected = signature(settings, file_id, int(expires))
    # Compared in constant time: a timing difference would let a forger guess byte by byte.
    if not hmac.compare_digest(expected, given.lower()):
        raise LinkRefused(403, "forbidden", "the download link is incomplete or altered")
    if int(expires) <= int(now if now is not None else time.time()):
        raise LinkRefused(410, "link_expired", "the download link has expired; export again")


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact one as RFC 5987 `filename*`."""
    # Diacritics decompose into a base letter and a mark: keep the letter (ș -> s).
    plain = unicodedata.normalize("NFKD", filename)
    fallback = (
        "".join(
            ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_"
            for ch in plain
            if not unicodedata.combining(ch)
        ).strip()
        or "download"
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
