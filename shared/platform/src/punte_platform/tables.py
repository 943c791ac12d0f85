"""Untrusted spreadsheets (CSV, an XLSX's first sheet) read streaming, with limits checked
while reading, in a worker thread so the event loop keeps serving (ARCHITECTURE rule 13).

Nothing a file says about itself is trusted: an XLSX's `dimension`, its zip members'
declared sizes and its row and column numbers are checked as the bytes are inflated and
parsed (this module inflates the zip itself and counts what comes out), and a file over a
limit is refused with `TableTooLarge`, naming the limit, before it costs more than the limit
allows. A row is `(number, cells)`: the record's number in a CSV, the sheet's row number in
an XLSX (rows without cells are not yielded, so a gap costs nothing)."""

import asyncio
import codecs
import csv
import io
import itertools
import posixpath
import re
import struct
import time
import zlib
from array import array
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as day_time
from enum import StrEnum
from typing import TypeVar
from xml.parsers import expat

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")
TableRow = tuple[int, list[str]]


class TableLimits(BaseModel):
    """How much of an untrusted table a reader accepts (the `table_limits` setting)."""

    model_config = ConfigDict(frozen=True)

    max_rows: int = Field(default=100_001, gt=0, description="rows, a header included")
    max_columns: int = Field(default=200, gt=0)
    max_cells: int = Field(default=5_000_000, gt=0, description="cells the file holds in all")
    max_cell_chars: int = Field(default=32_767, gt=0, description="Excel's own cell limit")
    max_line_chars: int = Field(default=1_000_000, gt=0, description="a CSV line, an XML tag")
    max_unpacked_bytes: int = Field(default=256 * 1024**2, gt=0, description="XLSX, inflated")
    max_compression_ratio: int = Field(default=100, gt=0, description="inflated : packed")
    max_shared_text_bytes: int = Field(default=64 * 1024**2, gt=0, description="XLSX strings")
    max_zip_members: int = Field(default=1_000, gt=0)


class UnreadableTable(ValueError):
    """Not a CSV or XLSX file that can be read."""


class TableTooLarge(UnreadableTable):
    """A file over one of the reader's limits; the message names the limit and its value."""

    def __init__(self, limit: str, value: int, found: str) -> None:
        super().__init__(f"{found}: over the limit {limit} = {value}")
        self.limit = limit
        self.value = value


class TableFormat(StrEnum):
    """What a table was read from."""

    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class Table:
    """A file's format and its rows, read (and checked) as they are iterated."""

    format: TableFormat
    rows: Iterator[TableRow]


_ZIP_MAGIC = b"PK\x03\x04"
# At most two files are read at once: each costs what its limits allow, so parallel uploads
# queue here instead of multiplying that.
_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="punte-tables")


def open_table(filename: str, content: bytes, limits: TableLimits) -> Table:
    """A CSV or XLSX file (chosen by its bytes and name) as a table; `UnreadableTable`
    otherwise. CSV: UTF-8 (with or without BOM) or, failing that, Windows-1250 (what Romanian
    Excel saves); the delimiter is `;` when the first line holds more of them than commas."""
    name = filename.casefold()
    if content.startswith(_ZIP_MAGIC):
        if not name.endswith(".xlsx"):
            raise UnreadableTable("a zip-based file that is not .xlsx: upload CSV or XLSX")
        return Table(TableFormat.XLSX, _Xlsx(content, limits).rows())
    if not name.endswith((".csv", ".txt")):
        raise UnreadableTable("not a CSV or XLSX file")
    return Table(TableFormat.CSV, _csv_rows(content, limits))


async def read_table(
    filename: str, content: bytes, limits: TableLimits, consume: Callable[[Table], T]
) -> T:
    """`consume(table)` run in a worker thread, so the file is read off the event loop;
    what it returns, or raises (`UnreadableTable`, or the consumer's own errors)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        _WORKERS, lambda: consume(open_table(filename, content, limits))
    )


_ROWS_BETWEEN_PAUSES = 200


def _pause() -> None:
    """Let the event loop's thread take the GIL: it waits up to the 5 ms switch interval
    at every I/O call otherwise, and a request needs dozens of those."""
    time.sleep(0)


class _Budget:
    """The row, column, cell and text limits, counted as a reader goes."""

    def __init__(self, limits: TableLimits) -> None:
        self.limits = limits
        self.cells = 0
        self.rows = 0

    def row(self, number: int) -> None:
        self.rows += 1
        if not self.rows % _ROWS_BETWEEN_PAUSES:
            _pause()
        if number > self.limits.max_rows:
            raise TableTooLarge("max_rows", self.limits.max_rows, f"row {number}")

    def cell(self, row: int, column: int) -> None:
        if column > self.limits.max_columns:
            raise TableTooLarge(
                "max_columns", self.limits.max_columns, f"column {column} of row {row}"
            )
        self.cells += 1
        if self.cells > self.limits.max_cells:
            raise TableTooLarge("max_cells", self.limits.max_cells, f"cell {self.cells} in all")

    def cells_of(self, row: int, cells: list[str]) -> None:
        """A whole row's cells at once (a CSV's): the same checks, at C speed."""
        if len(cells) > self.limits.max_columns:
            self.cell(row, len(cells))
        self.cells += len(cells)
        if self.cells > self.limits.max_cells:
            raise TableTooLarge("max_cells", self.limits.max_cells, f"cell {self.cells} in all")
        if cells and max(map(len, cells)) > self.limits.max_cell_chars:
            column, text = max(enumerate(cells, start=1), key=lambda item: len(item[1]))
            self.text(len(text), f"row {row}, column {column}")

    def text(self, length: int, where: str) -> None:
        if length > self.limits.max_cell_chars:
            raise TableTooLarge(
                "max_cell_chars", self.limits.max_cell_chars, f"{where}: text of {length}+ chars"
            )


# --- CSV ---------------------------------------------------------------------------------

_CHUNK = 1 << 20


def _csv_rows(content: bytes, limits: TableLimits) -> Iterator[TableRow]:
    if b"\x00" in content:
        raise UnreadableTable("binary content: not a CSV file")
    encoding = "utf-8-sig" if _is_utf8(content) else "cp1250"
    # BytesIO shares the bytes (no copy); the text is decoded a buffer at a time.
    text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, errors="replace", newline="")
    lines = _bounded_lines(text, limits.max_line_chars)
    first = next(lines, None)
    if first is None:
        return
    delimiter = ";" if first.count(";") > first.count(",") else ","
    budget = _Budget(limits)
    records = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
    try:
        for number, row in enumerate(records, start=1):
            budget.row(number)
            budget.cells_of(number, row)
            yield number, row
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            # A quoted field running over many lines, cut by csv's own field limit.
            raise TableTooLarge(
                "max_cell_chars", limits.max_cell_chars, "a quoted field running on"
            ) from None
        raise UnreadableTable(f"not a readable CSV file: {error}") from None


def _is_utf8(content: bytes) -> bool:
    """Whether the bytes are UTF-8, checked a megabyte at a time (no copy of the file)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(content)
    try:
        for start in range(0, len(view), _CHUNK):
            decoder.decode(view[start : start + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _bounded_lines(text: io.TextIOWrapper, limit: int) -> Iterator[str]:
    """The text's lines (ends kept, as csv wants), refusing one over `limit` characters
    before more of it is read."""
    while line := text.readline(limit + 2):
        if len(line) > limit and len(line.rstrip("\r\n")) > limit:
            raise TableTooLarge("max_line_chars", limit, f"a line of more than {limit} chars")
        yield line


# --- XLSX: the zip -----------------------------------------------------------------------

_EOCD = b"PK\x05\x06"
_CENTRAL = b"PK\x01\x02"
_CENTRAL_HEADER = struct.Struct("<4sHHHHHHIIIHHHHHII")
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_FULL = 0xFFFFFFFF
_INFLATE_IN = 16 * 1024
_INFLATE_OUT = 256 * 1024
# Below this much output a member's ratio is not judged: small XML parts compress well.
_RATIO_GRACE_BYTES = 1024 * 1024
_STORED, _DEFLATED = 0, 8


@dataclass(frozen=True)
class _Member:
    name: str
    flags: int
    method: int
    crc: int
    packed: int
    size: int
    offset: int


class _Zip:
    """A zip's directory, read here (zipfile would trust its sizes and grow without bound on
    a crafted directory), and its members inflated with the size and ratio limits."""

    def __init__(self, content: bytes, limits: TableLimits) -> None:
        self.content = content
        self.limits = limits
        self.unpacked = 0
        self.members = self._directory()
        declared = sum(member.size for member in self.members.values())
        if declared > limits.max_unpacked_bytes:
            raise TableTooLarge(
                "max_unpacked_bytes",
                limits.max_unpacked_bytes,
                f"the zip's members declare {declared} bytes",
            )

    def _directory(self) -> dict[str, _Member]:
        content = self.content
        end = content.rfind(_EOCD, max(0, len(content) - 22 - 65_535))
        if end < 0 or end + 22 > len(content):
            raise UnreadableTable("not a readable XLSX file: no zip directory")
        count, _size, position = struct.unpack_from("<HII", content, end + 10)
        if count > self.limits.max_zip_members:
            raise TableTooLarge(
                "max_zip_members", self.limits.max_zip_members, f"a zip of {count} members"
            )
        members: dict[str, _Member] = {}
        try:
            for _ in range(count):
                (sig, _made, _need, flags, method, _t, _d, crc, packed, size, name_length,
                 extra_length, comment_length, _disk, _int, _ext, offset) = (
                    _CENTRAL_HEADER.unpack_from(content, position)
                )  # fmt: skip
                if sig != _CENTRAL:
                    raise UnreadableTable("not a readable XLSX file: a damaged zip directory")
                start = position + _CENTRAL_HEADER.size
                raw_name = content[start : start + name_length]
                name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
                if _FULL in (packed, size, offset):
                    extra = content[start + name_length : start + name_length + extra_length]
                    size, packed, offset = _zip64_sizes(extra, size, packed, offset)
                members[name] = _Member(name, flags, method, crc, packed, size, offset)
                position = start + name_length + extra_length + comment_length
        except struct.error:
            raise UnreadableTable("not a readable XLSX file: a truncated zip directory") from None
        return members

    def inflate(self, name: str) -> Iterator[bytes]:
        """A member's bytes a piece at a time, counted against the limits as they come."""
        member = self.members.get(name)
        if member is None:
            raise UnreadableTable(f"not a readable XLSX file: no {name}")
        if member.flags & 0x1:
            raise UnreadableTable("an encrypted XLSX file: save it without a password")
        if member.method not in (_STORED, _DEFLATED):
            raise UnreadableTable(f"not a readable XLSX file: {name} is packed unusually")
        self._check_ratio(member, member.size, member.packed, "declares")
        try:
            header = _LOCAL_HEADER.unpack_from(self.content, member.offset)
        except struct.error:
            raise UnreadableTable(f"not a readable XLSX file: {name} is cut short") from None
        start = member.offset + _LOCAL_HEADER.size + header[9] + header[10]
        packed = memoryview(self.content)[start : start + member.packed]
        if header[0] != _ZIP_MAGIC or len(packed) < member.packed:
            raise UnreadableTable(f"not a readable XLSX file: {name} is cut short")
        inflated = 0
        crc = 0
        for piece, consumed in _pieces(packed, member.method):
            inflated += len(piece)
            self.unpacked += len(piece)
            if self.unpacked > self.limits.max_unpacked_bytes:
                raise TableTooLarge(
                    "max_unpacked_bytes",
                    self.limits.max_unpacked_bytes,
                    f"inflating {name} past {self.unpacked} bytes",
                )
            self._check_ratio(member, inflated, consumed, "inflates")
            crc = zlib.crc32(piece, crc)
            yield piece
        if crc != member.crc or inflated != member.size:
            raise UnreadableTable(f"not a readable XLSX file: {name} is damaged")

    def _check_ratio(self, member: _Member, inflated: int, packed: int, verb: str) -> None:
        ratio = self.limits.max_compression_ratio
        if inflated > _RATIO_GRACE_BYTES and inflated > ratio * max(packed, 1):
            raise TableTooLarge(
                "max_compression_ratio",
                ratio,
                f"{member.name} {verb} {inflated} bytes from {packed}",
            )


def _zip64_sizes(extra: bytes, size: int, packed: int, offset: int) -> tuple[int, int, int]:
    """The sizes and offset a zip64 extra field holds for those the directory marks full."""
    position = 0
    while position + 4 <= len(extra):
        kind, length = struct.unpack_from("<HH", extra, position)
        if kind == 1:
            values = iter(struct.unpack_from(f"<{length // 8}Q", extra, position + 4))
            size = next(values) if size == _FULL else size
            packed = next(values) if packed == _FULL else packed
            offset = next(values) if offset == _FULL else offset
            break
        position += 4 + length
    return size, packed, offset


def _pieces(packed: memoryview, method: int) -> Iterator[tuple[bytes, int]]:
    """A member's inflated pieces, each with the packed bytes consumed so far."""
    if method == _STORED:
        for start in range(0, len(packed), _INFLATE_OUT):
            piece = bytes(packed[start : start + _INFLATE_OUT])
            yield piece, start + len(piece)
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    fed = 0
    pending: bytes | memoryview = b""
    while True:
        if not pending and fed < len(packed):
            pending = packed[fed : fed + _INFLATE_IN]
            fed += len(pending)
        try:
            # `max_length` bounds each piece: a bomb is judged a piece at a time.
            piece = inflater.decompress(pending, _INFLATE_OUT)
        except zlib.error:
            raise UnreadableTable("not a readable XLSX file: damaged compression") from None
        pending = inflater.unconsumed_tail
        if piece:
            yield piece, fed - len(pending)
        if inflater.eof:
            return
        if not piece and not pending and fed >= len(packed):
            raise UnreadableTable("not a readable XLSX file: a member is cut short")


# --- XLSX: the XML -----------------------------------------------------------------------


class _Handler:
    """One XML part's reading: element starts and ends (local names) and text."""

    def start(self, name: str, attributes: dict[str, str]) -> None:
        """An element opens."""

    def end(self, name: str) -> None:
        """An element closes."""

    def text(self, data: str) -> None:
        """Text inside the current element."""


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class _Parser:
    """Expat fed a member a piece at a time; a DTD (no OOXML part has one) is refused, and so
    is a tag longer than `max_line_chars` (expat holds a tag whole until it closes)."""

    def __init__(self, name: str, handler: _Handler, limits: TableLimits) -> None:
        self.name = name
        self.limit = limits.max_line_chars
        self.fed = 0
        self.seen = 0
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._doctype
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        self.parser = parser
        self.handler = handler

    def feed(self, piece: bytes, *, final: bool = False) -> None:
        _pause()
        self.fed += len(piece)
        try:
            self.parser.Parse(piece, final)
        except expat.ExpatError as error:
            raise UnreadableTable(f"not a readable XLSX file: {self.name}: {error}") from None
        if self.fed - self.seen > self.limit:
            raise TableTooLarge(
                "max_line_chars", self.limit, f"{self.name}: a tag of more than {self.limit} bytes"
            )

    def _doctype(self, *_: object) -> None:
        raise UnreadableTable(f"not a readable XLSX file: {self.name} declares a DTD")

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self.seen = self.fed
        self.handler.start(_local(name), attributes)

    def _end(self, name: str) -> None:
        self.seen = self.fed
        self.handler.end(_local(name))

    def _text(self, data: str) -> None:
        self.seen = self.fed
        self.handler.text(data)


H = TypeVar("H", bound=_Handler)


class _Relationships(_Handler):
    """A `.rels` part: id → (type, target)."""

    def __init__(self) -> None:
        self.by_id: dict[str, tuple[str, str]] = {}

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "Relationship" and len(self.by_id) < _MAX_PARTS:
            self.by_id[attributes.get("Id", "")] = (
                attributes.get("Type", ""),
                attributes.get("Target", ""),
            )

    def target(self, type_suffix: str) -> str | None:
        return next((t for kind, t in self.by_id.values() if kind.endswith(type_suffix)), None)


_MAX_PARTS = 10_000


class _Workbook(_Handler):
    """`workbook.xml`: the first sheet's relationship and the date system."""

    def __init__(self) -> None:
        self.first_sheet: str | None = None
        self.epoch_1904 = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "sheet" and self.first_sheet is None:
            self.first_sheet = next((v for k, v in attributes.items() if k.endswith(":id")), None)
        elif name == "workbookPr":
            self.epoch_1904 = attributes.get("date1904", "") in {"1", "true"}


_BUILTIN_DATE_FORMATS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.')
_DATE_PART = re.compile(r"[dmyhs]", re.IGNORECASE)
# Excel itself allows 64,000 cell formats.
_MAX_STYLES = 65_536


class _Styles(_Handler):
    """`styles.xml`: which cell styles show a number as a date."""

    def __init__(self) -> None:
        self.custom: dict[int, bool] = {}
        self.date_styles: set[int] = set()
        self.styles = 0
        self.in_cell_formats = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "numFmt":
            if len(self.custom) >= _MAX_STYLES:
                raise UnreadableTable("more number formats than Excel allows")
            code = _FORMAT_LITERALS.sub("", attributes.get("formatCode", ""))
            self.custom[_int(attributes.get("numFmtId"))] = bool(_DATE_PART.search(code))
        elif name == "cellXfs":
            self.in_cell_formats = True
        elif name == "xf" and self.in_cell_formats:
            if self.styles >= _MAX_STYLES:
                raise UnreadableTable("more cell styles than Excel allows")
            number_format = _int(attributes.get("numFmtId"))
            if self.custom.get(number_format, number_format in _BUILTIN_DATE_FORMATS):
                self.date_styles.add(self.styles)
            self.styles += 1

    def end(self, name: str) -> None:
        if name == "cellXfs":
            self.in_cell_formats = False


def _int(text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        return -1


class _SharedStrings(_Handler):
    """`sharedStrings.xml`, held as one UTF-8 buffer and offsets (a str per entry would cost
    ~60 bytes each), limited in count and in bytes."""

    def __init__(self, limits: TableLimits, budget: _Budget) -> None:
        self.limits = limits
        self.budget = budget
        self.buffer = bytearray()
        self.ends = array("Q")
        self.parts: list[str] = []
        self.length = 0
        self.collecting = False
        self.phonetic = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "si":
            self.parts, self.length = [], 0
        elif name == "t" and not self.phonetic:
            self.collecting = True
        elif name == "rPh":
            self.phonetic += 1

    def end(self, name: str) -> None:
        if name == "t":
            self.collecting = False
        elif name == "rPh":
            self.phonetic -= 1
        elif name == "si":
            if len(self.ends) >= self.limits.max_cells:
                raise TableTooLarge(
                    "max_cells", self.limits.max_cells, "more shared strings than cells allowed"
                )
            self.buffer += "".join(self.parts).encode()
            if len(self.buffer) > self.limits.max_shared_text_bytes:
                raise TableTooLarge(
                    "max_shared_text_bytes",
                    self.limits.max_shared_text_bytes,
                    f"shared strings of more than {len(self.buffer)} bytes",
                )
            self.ends.append(len(self.buffer))

    def text(self, data: str) -> None:
        if self.collecting:
            self.length += len(data)
            self.budget.text(self.length, f"shared string {len(self.ends)}")
            self.parts.append(data)

    def get(self, index: int) -> str:
        if not 0 <= index < len(self.ends):
            raise UnreadableTable(f"not a readable XLSX file: no shared string {index}")
        start = self.ends[index - 1] if index else 0
        return self.buffer[start : self.ends[index]].decode()


class _Sheet(_Handler):
    """A worksheet's `sheetData`: rows of cell texts, collected for the reader to yield."""

    def __init__(
        self, budget: _Budget, strings: _SharedStrings, date_styles: set[int], epoch_1904: bool
    ) -> None:
        self.budget = budget
        self.strings = strings
        self.date_styles = date_styles
        self.epoch_1904 = epoch_1904
        self.ready: list[TableRow] = []
        self.number = 0
        self.row: list[str] | None = None
        self.column = 0
        self.kind = ""
        self.style = -1
        self.parts: list[str] = []
        self.length = 0
        self.collecting = False
        self.phonetic = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "c" and self.row is not None:
            reference = attributes.get("r")
            self.column = _column(reference) if reference else self.column + 1
            self.budget.cell(self.number, self.column)
            self.kind = attributes.get("t", "n")
            self.style = _int(attributes.get("s"))
            self.parts, self.length = [], 0
        elif name == "row":
            number = attributes.get("r")
            self.number = _int(number) if number else self.number + 1
            if self.number < 1:
                raise UnreadableTable("not a readable XLSX file: a row without a number")
            self.budget.row(self.number)
            self.row, self.column = [], 0
        elif name == "v" or (name == "t" and not self.phonetic):
            self.collecting = True
        elif name == "rPh":
            self.phonetic += 1

    def end(self, name: str) -> None:
        if name == "c" and self.row is not None:
            value = self._value("".join(self.parts))
            if self.column > len(self.row):
                self.row.extend([""] * (self.column - len(self.row) - 1))
                self.row.append(value)
            else:
                self.row[self.column - 1] = value
        elif name in ("v", "t"):
            self.collecting = False
        elif name == "rPh":
            self.phonetic -= 1
        elif name == "row":
            if self.row:
                self.ready.append((self.number, self.row))
            self.row = None

    def text(self, data: str) -> None:
        if self.collecting:
            self.length += len(data)
            self.budget.text(self.length, f"row {self.number}, column {self.column}")
            self.parts.append(data)

    def _value(self, raw: str) -> str:
        kind = self.kind
        if kind == "s":
            return self.strings.get(_int(raw))
        if kind == "b":
            return "True" if raw.strip() == "1" else "False"
        if kind != "n" or not raw:
            return raw  # inlineStr, str (a formula's text), e (an error), d (ISO date)
        try:
            number = float(raw)
        except ValueError:
            return raw
        if self.style in self.date_styles:
            return _excel_date(number, epoch_1904=self.epoch_1904) or raw
        if number.is_integer():
            return str(int(number))  # a CUI typed as a number stays digits
        return str(number)


def _column(reference: str) -> int:
    """`AB12` → 28."""
    index = 0
    for char in reference:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        elif "a" <= char <= "z":
            index = index * 26 + ord(char) - 96
        else:
            break
    if not index:
        raise UnreadableTable(f"not a readable XLSX file: a cell at {reference[:20]!r}")
    return index


def _excel_date(serial: float, *, epoch_1904: bool) -> str | None:
    """A date-formatted number as text: `2024-05-01`, `2024-05-01 09:30:00` or `09:30:00`."""
    if epoch_1904:
        base = datetime(1904, 1, 1)  # noqa: DTZ001 (a spreadsheet's dates are naive)
    elif serial < 60:
        base = datetime(1899, 12, 31)  # noqa: DTZ001 (Excel counts a 1900-02-29 that never was)
    else:
        base = datetime(1899, 12, 30)  # noqa: DTZ001
    try:
        moment = base + timedelta(seconds=round(serial * 86_400))
    except OverflowError:
        return None
    if moment.time() == day_time(0):
        return moment.date().isoformat()
    if 0 <= serial < 1:
        return moment.time().isoformat()
    return moment.isoformat(sep=" ")


class _Xlsx:
    """An XLSX file's first sheet, read with its shared strings and date styles."""

    def __init__(self, content: bytes, limits: TableLimits) -> None:
        self.content = content
        self.limits = limits

    def rows(self) -> Iterator[TableRow]:
        archive = _Zip(self.content, self.limits)
        budget = _Budget(self.limits)
        package = _Relationships()
        if "_rels/.rels" in archive.members:
            self._parse(archive, "_rels/.rels", package)
        workbook_path = (package.target("/officeDocument") or "xl/workbook.xml").lstrip("/")
        folder, base = posixpath.split(workbook_path)
        workbook = self._parse(archive, workbook_path, _Workbook())
        relationships = self._parse(
            archive, posixpath.join(folder, "_rels", base + ".rels"), _Relationships()
        )
        sheet_target = relationships.by_id.get(workbook.first_sheet or "", ("", ""))[1]
        if not sheet_target:
            raise UnreadableTable("not a readable XLSX file: it has no sheet")
        strings = _SharedStrings(self.limits, budget)
        strings_target = relationships.target("/sharedStrings")
        if strings_target:
            self._parse(archive, _resolve(folder, strings_target), strings)
        styles = _Styles()
        styles_target = relationships.target("/styles")
        if styles_target:
            self._parse(archive, _resolve(folder, styles_target), styles)
        sheet = _Sheet(budget, strings, styles.date_styles, workbook.epoch_1904)
        sheet_path = _resolve(folder, sheet_target)
        parser = _Parser(sheet_path, sheet, self.limits)
        for piece in archive.inflate(sheet_path):
            parser.feed(piece)
            yield from sheet.ready
            sheet.ready.clear()
        parser.feed(b"", final=True)
        yield from sheet.ready

    def _parse(self, archive: _Zip, path: str, handler: H) -> H:
        parser = _Parser(path, handler, self.limits)
        for piece in archive.inflate(path):
            parser.feed(piece)
        parser.feed(b"", final=True)
        return handler


def _resolve(folder: str, target: str) -> str:
    """A relationship's target as a zip member name."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))
