"""Hostile spreadsheets, generated small (a zip written here member by member, so its
declared sizes can lie), and what a test measures while a service refuses one: the process's
peak memory and how long other requests wait."""

import asyncio
import itertools
import struct
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

Chunks = bytes | Iterable[bytes]

_XML = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_SML = b"application/vnd.openxmlformats-officedocument.spreadsheetml"
_PACKAGE = b"http://schemas.openxmlformats.org/package/2006"
_OFFICE = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CONTENT_TYPES = b"".join(
    [
        _XML,
        b'<Types xmlns="%s/content-types">' % _PACKAGE,
        b'<Default Extension="rels" '
        b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
        b'<Default Extension="xml" ContentType="application/xml"/>',
        b'<Override PartName="/xl/workbook.xml" ContentType="%s.sheet.main+xml"/>' % _SML,
        b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="%s.worksheet+xml"/>' % _SML,
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="%s.sharedStrings+xml"/>' % _SML,
        b"</Types>",
    ]
)


def _relationships(*targets: tuple[bytes, bytes]) -> bytes:
    items = b"".join(
        b'<Relationship Id="rId%d" Type="%s/%s" Target="%s"/>' % (n, _OFFICE, kind, target)
        for n, (kind, target) in enumerate(targets, start=1)
    )
    return _XML + b'<Relationships xmlns="%s/relationships">%s</Relationships>' % (_PACKAGE, items)


_PACKAGE_RELS = _relationships((b"officeDocument", b"xl/workbook.xml"))
_WORKBOOK = (
    _XML + b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="%s"><sheets><sheet name="Firme" sheetId="1" r:id="rId1"/></sheets></workbook>'
    % _OFFICE
)
_WORKBOOK_RELS = _relationships(
    (b"worksheet", b"worksheets/sheet1.xml"), (b"sharedStrings", b"sharedStrings.xml")
)
_SHEET_START = _XML + (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<dimension ref="%s"/><sheetData>'
)
_SHEET_END = b"</sheetData></worksheet>"
_MEGABYTE = 1024 * 1024


def zip_file(members: Mapping[str, Chunks], *, declared_sizes: Mapping[str, int] = {}) -> bytes:
    """A zip of deflated members, each streamed through zlib (a gigabyte of XML costs no
    gigabyte here); `declared_sizes` makes members lie about their inflated size."""
    out = bytearray()
    directory = bytearray()
    for name, chunks in members.items():
        packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        packed = bytearray()
        crc = size = 0
        for chunk in [chunks] if isinstance(chunks, bytes) else chunks:
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            packed += packer.compress(chunk)
        packed += packer.flush()
        size = declared_sizes.get(name, size)
        encoded = name.encode()
        common = struct.pack(
            "<HHHHHIIIH", 20, 0x800, 8, 0, 0x21, crc, len(packed), size, len(encoded)
        )
        directory += b"PK\x01\x02" + struct.pack("<H", 20) + common
        directory += struct.pack("<HHHHII", 0, 0, 0, 0, 0, len(out)) + encoded
        out += b"PK\x03\x04" + common + struct.pack("<H", 0) + encoded + packed
    count = len(members)
    out += directory
    out += b"PK\x05\x06" + struct.pack(
        "<HHHHIIH", 0, 0, count, count, len(directory), len(out) - len(directory), 0
    )
    return bytes(out)


def xlsx(
    rows: Iterable[bytes],
    *,
    dimension: str = "A1",
    shared_strings: Chunks = b"",
    declared_sizes: Mapping[str, int] = {},
) -> bytes:
    """A one-sheet workbook (the parts a reader needs, named as Excel names them) whose
    sheet holds `rows` (`<row>` elements, streamed) and claims `dimension`."""
    strings = _shared_strings(shared_strings)
    sheet = itertools.chain([_SHEET_START % dimension.encode()], rows, [_SHEET_END])
    return zip_file(
        {
            "[Content_Types].xml": _CONTENT_TYPES,
            "_rels/.rels": _PACKAGE_RELS,
            "xl/workbook.xml": _WORKBOOK,
            "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
            "xl/sharedStrings.xml": strings,
            "xl/worksheets/sheet1.xml": sheet,
        },
        declared_sizes=declared_sizes,
    )


def _shared_strings(items: Chunks) -> Iterator[bytes]:
    yield _XML
    yield b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    yield from [items] if isinstance(items, bytes) else items
    yield b"</sst>"


def cell(reference: str, text: str) -> bytes:
    """An inline-string cell."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").encode()
    return b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (reference.encode(), escaped)


def row(number: int, *cells: bytes) -> bytes:
    """A `<row>` of cells."""
    return b'<row r="%d">%s</row>' % (number, b"".join(cells))


def dimension_lie_xlsx() -> bytes:
    """A ~2 KB workbook claiming `A1:XFD1048576`, with a row at 1 and one at 1,048,576: a
    reader trusting the dimension (openpyxl's read-only mode) fills 17 billion cells."""
    return xlsx(
        [row(1, cell("A1", "Denumire"), cell("B1", "CUI")), row(1_048_576, cell("A1048576", "x"))],
        dimension="A1:XFD1048576",
    )


def zip_bomb_xlsx(
    inflated_bytes: int = 1100 * _MEGABYTE, *, declared: int | None = None, header: bytes = b""
) -> bytes:
    """A workbook of a few MB whose sheet inflates to `inflated_bytes` of XML: `header` (a
    first `<row>`), then rows of one short cell; `declared` makes the sheet claim that size
    instead."""
    one = b'<row><c t="inlineStr"><is><t>%s</t></is></c></row>' % (b"A" * 30)
    chunk = one * (_MEGABYTE // len(one))
    rows = itertools.chain([header], (chunk for _ in range(max(1, inflated_bytes // len(chunk)))))
    sizes = {} if declared is None else {"xl/worksheets/sheet1.xml": declared}
    return xlsx(rows, dimension="A1", declared_sizes=sizes)


def long_line_csv(size: int = 50_000_000) -> bytes:
    """One line of `size` bytes and ~size/3 columns (`ab,ab,...`), no newline."""
    return b"ab," * (size // 3)


@dataclass
class Responsiveness:
    """The time from the start, and then from each answer, to the next probe's answer."""

    gaps: list[float] = field(default_factory=list)

    @property
    def slowest(self) -> float:
        """The longest the probes went without an answer."""
        return max(self.gaps, default=0.0)


@asynccontextmanager
async def probing(
    probe: Callable[[], Awaitable[object]], interval: float = 0.05
) -> AsyncIterator[Responsiveness]:
    """Send `probe` again and again while the block runs (one at a time, `interval` apart)
    and time the gaps between answers: an event loop held by the work shows as a gap, even
    when no probe was in flight then; the last probe is awaited when the block ends."""
    result = Responsiveness()
    done = asyncio.Event()

    async def loop() -> None:
        last = time.monotonic()
        while True:
            await probe()
            now = time.monotonic()
            result.gaps.append(now - last)
            last = now
            if done.is_set():
                return
            await asyncio.sleep(interval)

    task = asyncio.create_task(loop())
    try:
        yield result
    finally:
        done.set()
        await task


@dataclass
class MemoryPeak:
    """The process's resident memory high-water mark above where it stood at the start."""

    growth: int = 0


def _reset_high_water_mark() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    raise RuntimeError(f"no {key} in /proc/self/status")


@asynccontextmanager
async def peak_memory() -> AsyncIterator[MemoryPeak]:
    """The resident high-water mark of this process (every thread, C allocations included)
    while the block runs, above its size at the start; the kernel's mark is reset first
    (`/proc/self/clear_refs`), so an earlier peak does not hide this one."""
    _reset_high_water_mark()
    before = _status_kb("VmRSS:")
    result = MemoryPeak()
    try:
        yield result
    finally:
        result.growth = (_status_kb("VmHWM:") - before) * 1024
