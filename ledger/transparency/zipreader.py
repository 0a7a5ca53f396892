"""Reading an untrusted zip (a trace archive someone handed over) without being fooled
and within bounded memory.

Zip readers disagree on archives that are not plain: Python's ``zipfile`` reads the last
of two entries with one name, ``unzip`` extracts the first; a name holding a NUL is cut
short by one and not by the other; a deflate stream may run on past the size the
directory states. So an archive is refused unless every entry is unambiguous: one entry
per name, a relative name without ``..``, the same name in the local header as in the
central directory, stored or deflated, not encrypted, inflating to exactly its stated size
(whose sum and each of which are capped before anything is inflated). Entries are inflated
here, in chunks of ``CHUNK`` bytes, never through ``ZipFile.read``; only documents (JSON,
read whole) are held in memory, each capped by ``Limits.document_bytes``.
"""

import hashlib
import re
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import IO

CHUNK = 64 * 1024
MiB = 1024 * 1024
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature … name length, extra length
_END_RECORD = struct.Struct("<4s4H2LH")  # signature … central directory size, offset
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")
_DRIVE = re.compile(r"^[A-Za-z]:")


class ArchiveInvalid(Exception):
    """The archive does not verify; the message names the first mismatch."""


@dataclass(frozen=True)
class Limits:
    """What ``ledger verify`` is willing to read. Stated sizes are checked against these
    before anything is inflated, and inflation stops at the stated size."""

    entries: int = 20_000
    entry_bytes: int = 1024 * MiB  # any one entry, inflated (material files are streamed)
    total_bytes: int = 16 * 1024 * MiB  # all entries together, inflated
    document_bytes: int = 128 * MiB  # one document (JSON, or events.jsonl) read into memory
    parsed_bytes: int = 512 * MiB  # the parsed JSON documents together, estimated beforehand

    @property
    def central_directory_bytes(self) -> int:
        # ~100 bytes per entry of ours (46 fixed, a name under 80, zip64 extras): room to
        # spare, and a bound on what ``zipfile`` parses before any of our checks.
        return self.entries * 256


class BoundedZip:
    """The entries of an untrusted zip, each checked before it is read."""

    def __init__(self, file: IO[bytes], limits: Limits) -> None:
        self.file = file
        self.limits = limits
        _check_central_directory_size(file, limits)
        try:
            self.zip = zipfile.ZipFile(file)
        # NotImplementedError: an entry needing a newer zip version than Python reads.
        except (OSError, zipfile.BadZipFile, ValueError, EOFError, NotImplementedError) as error:
            raise ArchiveInvalid(f"not a readable zip archive: {error}") from None
        infos = self.zip.infolist()
        if len(infos) > limits.entries:
            raise ArchiveInvalid(
                f"the archive has {len(infos)} entries, more than the "
                f"{limits.entries} ledger verify reads"
            )
        duplicates = sorted(name for name, n in Counter(i.filename for i in infos).items() if n > 1)
        if duplicates:
            raise ArchiveInvalid(
                f"the archive holds {duplicates[0]!r} twice (zip readers "
                "disagree on which copy counts: a duplicate entry is refused)"
            )
        for info in infos:
            _check_entry(info, limits)
        _check_no_overlap(infos)
        total = sum(info.file_size for info in infos)
        if total > limits.total_bytes:
            raise ArchiveInvalid(
                f"the entries would inflate to {total} bytes in all, over "
                f"the limit of {limits.total_bytes}"
            )
        self.entries = {info.filename: info for info in infos}

    @property
    def names(self) -> set[str]:
        return set(self.entries)

    def chunks(self, name: str) -> Iterator[bytes]:
        """The entry's data, inflated ``CHUNK`` bytes at a time, exactly its stated size;
        raises ``ArchiveInvalid`` if it inflates to more or less, or fails its CRC."""
        info = self.entries[name]
        self.file.seek(info.header_offset)
        header = self.file.read(_LOCAL_HEADER.size)
        if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            raise ArchiveInvalid(f"{name}: its local header is missing")
        name_length, extra_length = _LOCAL_HEADER.unpack(header)[-2:]
        local_name = self.file.read(name_length)
        if local_name != _raw_name(info):
            raise ArchiveInvalid(
                f"{name}: its local header names it {local_name!r} (zip "
                "readers disagree on which name counts)"
            )
        self.file.seek(extra_length, 1)
        if info.compress_type == zipfile.ZIP_STORED:
            stream = self._stored(name, info.compress_size)
        else:
            stream = self._inflated(name, info.compress_size, info.file_size)
        left, crc = info.file_size, 0
        for data in stream:
            if len(data) > left:
                raise ArchiveInvalid(
                    f"{name} inflates past its stated size of {info.file_size} bytes"
                )
            left -= len(data)
            crc = zlib.crc32(data, crc)
            yield data
        if left:
            raise ArchiveInvalid(
                f"{name} inflates to less than its stated size of {info.file_size} bytes"
            )
        if crc != info.CRC:
            raise ArchiveInvalid(f"{name}: its CRC-32 does not match its data")

    def _stored(self, name: str, size: int) -> Iterator[bytes]:
        while size:
            data = self.file.read(min(CHUNK, size))
            if not data:
                raise ArchiveInvalid(f"{name}: the archive ends inside this entry")
            size -= len(data)
            yield data

    def _inflated(self, name: str, compressed: int, size: int) -> Iterator[bytes]:
        inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        raw_left, out_left = compressed, size
        while not inflate.eof:
            if inflate.unconsumed_tail:
                raw = inflate.unconsumed_tail
            elif raw_left:
                raw = self.file.read(min(CHUNK, raw_left))
                if not raw:
                    raise ArchiveInvalid(f"{name}: the archive ends inside this entry")
                raw_left -= len(raw)
            else:
                raw = b""
            # One byte more than may come out is enough to know it would inflate past.
            try:
                data = inflate.decompress(raw, min(CHUNK, max(out_left, 0) + 1))
            except zlib.error as error:
                raise ArchiveInvalid(f"{name}: its deflate stream is corrupt: {error}") from None
            if not raw and not data:
                raise ArchiveInvalid(f"{name}: its deflate stream is cut short")
            out_left -= len(data)
            yield data
        if inflate.unused_data or inflate.unconsumed_tail or raw_left:
            raise ArchiveInvalid(f"{name}: data follows the end of its deflate stream")

    def digest(self, name: str) -> str:
        """The entry's SHA-256, hashed as it inflates."""
        sha256 = hashlib.sha256()
        for data in self.chunks(name):
            sha256.update(data)
        return sha256.hexdigest()

    def lines(self, name: str) -> Iterator[bytes]:
        """A document's lines, without their line feeds, read as it inflates."""
        self._check_document(name)
        pending: list[bytes] = []  # a line's pieces so far (no quadratic re-joining)
        for data in self.chunks(name):
            *complete, rest = data.split(b"\n")
            for piece in complete:
                yield b"".join([*pending, piece])
                pending.clear()
            if rest:
                pending.append(rest)
        if pending:
            yield b"".join(pending)

    def read(self, name: str) -> bytearray:
        """A document, read whole: refused over ``Limits.document_bytes``."""
        self._check_document(name)
        document, at = bytearray(self.entries[name].file_size), 0  # filled, never regrown
        for data in self.chunks(name):
            document[at : at + len(data)] = data
            at += len(data)
        return document

    def _check_document(self, name: str) -> None:
        size = self.entries[name].file_size
        if size > self.limits.document_bytes:
            raise ArchiveInvalid(
                f"{name} would inflate to {size} bytes, over the limit of "
                f"{self.limits.document_bytes} for a document"
            )


def _check_entry(info: zipfile.ZipInfo, limits: Limits) -> None:
    name = info.filename
    if info.orig_filename != name or "\x00" in info.orig_filename:
        raise ArchiveInvalid(f"the entry {info.orig_filename!r} has a NUL in its name")
    parts = re.split(r"[/\\]", name)
    if name.startswith(("/", "\\")) or _DRIVE.match(name) or "\\" in name:
        raise ArchiveInvalid(
            f"the entry {name!r} has an absolute or Windows path (refused: "
            "an extractor could write it outside the target directory)"
        )
    if ".." in parts:
        raise ArchiveInvalid(
            f"the entry {name!r} has a '..' component (refused: an "
            "extractor could write it outside the target directory)"
        )
    if info.flag_bits & 0x1:
        raise ArchiveInvalid(f"{name} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ArchiveInvalid(
            f"{name} uses compression method {info.compress_type}; ledger "
            "verify reads stored and deflated entries only"
        )
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise ArchiveInvalid(
            f"{name} is stored with {info.compress_size} bytes but states {info.file_size}"
        )
    if info.file_size > limits.entry_bytes:
        raise ArchiveInvalid(
            f"{name} would inflate to {info.file_size} bytes, over the limit "
            f"of {limits.entry_bytes} for one entry"
        )


def _check_no_overlap(infos: list[zipfile.ZipInfo]) -> None:
    """Each entry's local header lies after the previous entry's data: overlapping entries
    (one's data quoting another's header, a "better zip bomb") inflate the same bytes
    twice and mean different things to different readers."""
    ordered = sorted(infos, key=lambda info: info.header_offset)
    for before, after in pairwise(ordered):
        # A lower bound of where ``before`` ends: its local extra field may add more.
        end = (
            before.header_offset
            + _LOCAL_HEADER.size
            + len(_raw_name(before))
            + before.compress_size
        )
        if after.header_offset < end:
            raise ArchiveInvalid(
                f"the entry {after.filename!r} overlaps "
                f"{before.filename!r} (overlapping entries are refused)"
            )


def _raw_name(info: zipfile.ZipInfo) -> bytes:
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    try:
        return info.orig_filename.encode(encoding)
    except UnicodeEncodeError:
        return info.orig_filename.encode("utf-8")


def _check_central_directory_size(file: IO[bytes], limits: Limits) -> None:
    """Refuses a central directory over the bound before ``zipfile`` parses it whole."""
    file.seek(0, 2)
    size = file.tell()
    tail_start = max(0, size - (_END_RECORD.size + 65535))
    file.seek(tail_start)
    tail = file.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END_RECORD.size:
        return  # not a zip: ZipFile says so in its own words
    directory_size = _END_RECORD.unpack_from(tail, at)[5]
    if directory_size == 0xFFFFFFFF and at >= _ZIP64_LOCATOR.size:
        locator = _ZIP64_LOCATOR.unpack_from(tail, at - _ZIP64_LOCATOR.size)
        if locator[0] == b"PK\x06\x07":
            file.seek(locator[2])
            record = file.read(_ZIP64_END_RECORD.size)
            if len(record) == _ZIP64_END_RECORD.size and record[:4] == b"PK\x06\x06":
                directory_size = _ZIP64_END_RECORD.unpack(record)[8]
    if directory_size > limits.central_directory_bytes:
        raise ArchiveInvalid(
            f"the archive's central directory has {directory_size} bytes, "
            f"over the {limits.central_directory_bytes} of "
            f"{limits.entries} entries"
        )
