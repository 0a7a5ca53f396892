"""`ledger verify` cannot be fooled (CONTRACT §7.8): an archive verifies (exit 0) only against
a key obtained separately; without one it is at best consistent (exit 3); a forged archive
bringing its own key, duplicate, unlisted or unsafe entries, entries that inflate past their
stated sizes and zip bombs are mismatches (exit 1), read within bounded memory. Each archive
is made by the service, altered, and checked by the real `ledger verify` process."""

import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from ledger.domain import merkle
from ledger.domain.integrity import ZERO_HASH, canonical_json
from ledger.domain.personal import rehash
from ledger.transparency import signing
from ledger.transparency.archive import (
    TLOG_POLICY,
    manifest_content,
    manifest_note,
    tlog_proof_name,
)
from ledger.transparency.c2sp.proof import TlogProof
from ledger.transparency.notes import LogIdentity, policy_of_log
from tests import factories as f
from tests.e2e.conftest import Append
from tests.e2e.test_archive import _material, archive, public_key  # noqa: F401 (the archive's fixtures)
from tests.e2e.test_cli import LEDGER

MiB = 1024 * 1024
# Each run may map this much address space at most: a verifier that inflated a bomb in
# memory fails the test with a MemoryError instead of taking the machine's memory.
ADDRESS_SPACE = 2048 * MiB
PEAK_BOUND_MIB = 200  # the README's bound for ledger verify (measured: about 60-70 MiB)


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    peak_mib: float  # the process's peak resident set size


# Runs a command and writes its peak RSS (KiB) to a file. A small process of its own, since
# a child's peak counts the pages of the process it was forked from (here, pytest's).
_MEASURED = """
import resource, subprocess, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
code = subprocess.run(sys.argv[3:], timeout=180, check=False).returncode
with open(sys.argv[2], "w") as peak:
    peak.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def ledger_verify(path: Path, *options: str) -> Run:
    """Runs the real ``ledger verify`` and measures its peak memory."""
    peak = path.with_suffix(".peak")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _MEASURED,
            str(ADDRESS_SPACE),
            str(peak),
            LEDGER,
            "verify",
            str(path),
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=200,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr, int(peak.read_text()) / 1024)


def _entries(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as zipped:
        return [(name, zipped.read(name)) for name in zipped.namelist()]


def _write(path: Path, entries: list[tuple[str, bytes]]) -> Path:
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        warnings.simplefilter("ignore")  # "Duplicate name": what we build on purpose
        for name, content in entries:
            out.writestr(name, content)
    return path


def _forged_events(events: bytes) -> bytes:
    lines = events.splitlines(keepends=True)
    return b"".join([lines[0], lines[1].replace(b"9000", b"1", 1), *lines[2:]])


# Without a key obtained separately, nothing verifies.


def test_an_archive_checked_without_a_key_of_ones_own_exits_3_and_says_so(archive: Path) -> None:
    run = ledger_verify(archive)
    assert run.code == 3, run.stderr
    assert run.stdout.startswith("CONSISTENT (origin not verified): household hh-1: 5 events")
    for stream in (run.stdout, run.stderr):
        assert "consistent but its origin is not verified" in stream
        assert "--public-key" in stream


def _mth(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return merkle.node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _fabricate(path: Path, target: Path) -> None:
    """What a forger makes: other events, their own tree, proofs, checkpoint and signatures
    under their own key, carried inside the archive — consistent in every respect."""
    key = Ed25519PrivateKey.generate()
    files = dict(_entries(path))
    events, previous = [], ZERO_HASH
    for line in _forged_events(files["events.jsonl"]).splitlines():
        event = json.loads(line)
        event["prev_hash"] = previous
        event["hash"] = previous = rehash(event)  # of the hashed form (CONTRACT §7.3)
        events.append(event)
    leaves = [merkle.leaf_hash(bytes.fromhex(e["hash"])) for e in events]
    checkpoint = {
        "tree_size": len(leaves),
        "root_hash": _mth(leaves).hex(),
        "timestamp": "2026-01-01T00:00:00+00:00",
    }
    checkpoint["signature"] = signing.sign(key, signing.signed_content(checkpoint))
    proofs = [
        {
            "event_id": e["id"],
            "version": e["version"],
            "leaf_index": i,
            "tree_size": len(leaves),
            "path": [
                _mth(leaves[start:end]).hex()
                for start, end in merkle.inclusion_ranges(i, len(leaves))
            ],
        }
        for i, e in enumerate(events)
    ]
    files.update(
        {
            "events.jsonl": b"".join(json.dumps(e).encode() + b"\n" for e in events),
            "chain.json": json.dumps(
                [
                    {
                        "version": e["version"],
                        "event_id": e["id"],
                        "prev_hash": e["prev_hash"],
                        "hash": e["hash"],
                    }
                    for e in events
                ]
            ).encode(),
            "checkpoint.json": json.dumps(checkpoint).encode(),
            "public-key.json": json.dumps({"public_key": signing.public_key_text(key)}).encode(),
            "proofs.json": json.dumps(proofs).encode(),
        }
    )
    # And the log's side: a note key of their own, its policy, its tlog-proofs.
    identity = LogIdentity.generated()
    note = identity.sign(len(leaves), _mth(leaves)).format()
    for name in [name for name in files if name.startswith("tlog/")]:
        del files[name]
    files[TLOG_POLICY] = policy_of_log(identity).text.encode()
    for proof in proofs:
        hashes = tuple(bytes.fromhex(h) for h in proof["path"])
        files[tlog_proof_name(proof["event_id"])] = (
            TlogProof(proof["leaf_index"], hashes, note).format().encode()
        )
    manifest = json.loads(files["manifest.json"])
    manifest.update(
        head_hash=previous,
        tree_size=len(leaves),
        public_key=signing.public_key_text(key),
        files={
            name: hashlib.sha256(content).hexdigest()
            for name, content in files.items()
            if name != "manifest.json" and not name.startswith("materials/")
        },
    )
    manifest["signature"] = signing.sign(key, manifest_content(manifest))
    manifest["note"] = manifest_note(identity.signer, manifest).format()
    files["manifest.json"] = canonical_json(manifest)
    _write(target, list(files.items()))


def test_a_wholly_fabricated_archive_bringing_its_own_key_is_never_verified(
    archive: Path, public_key: Path, client: TestClient
) -> None:
    forged = archive.with_name("forged.zip")
    _fabricate(archive, forged)
    alone = ledger_verify(forged)
    assert alone.code == 3, alone.stderr
    assert "origin is not verified" in alone.stderr
    against_the_ledger = ledger_verify(forged, "--public-key", str(public_key))
    assert against_the_ledger.code == 1
    assert "not with the given public key" in against_the_ledger.stderr
    policy = archive.with_name("policy.txt")
    policy.write_text(f"log {client.get('/log/vkey').text.strip()}\nquorum none\n")
    against_the_policy = ledger_verify(forged, "--policy", str(policy))
    assert against_the_policy.code == 1
    assert "not signed by a log of the given policy" in against_the_policy.stderr


# Entries that zip readers could disagree on, or that could land outside a directory.


def test_a_duplicate_entry_is_a_mismatch_whichever_copy_a_reader_takes(
    archive: Path, public_key: Path
) -> None:
    entries = _entries(archive)
    original = dict(entries)["events.jsonl"]
    # The forged copy first (what `unzip` extracts), the signed one last (what Python reads).
    duplicated = _write(
        archive.with_name("duplicate.zip"), [("events.jsonl", _forged_events(original)), *entries]
    )
    if shutil.which("unzip"):
        extracted = subprocess.run(
            ["unzip", "-p", str(duplicated), "events.jsonl"], capture_output=True, check=False
        ).stdout
        assert extracted.startswith(_forged_events(original))  # what a reader would see
    run = ledger_verify(duplicated, "--public-key", str(public_key))
    assert run.code == 1, run.stdout
    assert "holds 'events.jsonl' twice" in run.stderr


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("notes.txt", "'notes.txt' is not listed in the signed manifest.json"),
        ("tlog/extra.txt", "'tlog/extra.txt' is not listed in the signed manifest.json"),
        ("materials/", "materials/ is not cited by any event"),
        ("/etc/cron.d/ledger", "'/etc/cron.d/ledger' has an absolute or Windows path"),
        ("C:/Windows/evil.dll", "'C:/Windows/evil.dll' has an absolute or Windows path"),
        ("materials\\..\\evil", "has an absolute or Windows path"),
        ("../evil.sh", "'../evil.sh' has a '..' component"),
        ("materials/../../evil.sh", "has a '..' component"),
    ],
)
def test_an_unlisted_or_unsafe_entry_is_a_mismatch_naming_it(
    archive: Path,
    public_key: Path,
    name: str,
    message: str,
) -> None:
    extra = _write(archive.with_name("extra.zip"), [*_entries(archive), (name, b"#!/bin/sh\n")])
    run = ledger_verify(extra, "--public-key", str(public_key))
    assert run.code == 1, run.stdout
    assert message in run.stderr, run.stderr


def _central_entries(data: bytearray) -> Iterator[tuple[int, str]]:
    """(offset, name) of each central directory record."""
    end = data.rfind(b"PK\x05\x06")
    count, _, start = struct.unpack_from("<HLL", data, end + 10)
    for _ in range(count):
        name_length, extra_length, comment_length = struct.unpack_from("<3H", data, start + 28)
        yield start, data[start + 46 : start + 46 + name_length].decode()
        start += 46 + name_length + extra_length + comment_length


def _restate(path: Path, name: str, size: int, crc: int) -> None:
    """Rewrites what the local header and the central directory say of ``name``'s size and
    CRC, leaving its data as it is (what a crafted archive does)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zipped:
        local = zipped.getinfo(name).header_offset
    struct.pack_into("<L", data, local + 14, crc)
    struct.pack_into("<L", data, local + 22, size)
    for offset, entry in _central_entries(data):
        if entry == name:
            struct.pack_into("<L", data, offset + 16, crc)
            struct.pack_into("<L", data, offset + 24, size)
    path.write_bytes(bytes(data))


def test_an_entry_inflating_past_its_stated_size_is_a_mismatch(
    archive: Path, public_key: Path
) -> None:
    entries = _entries(archive)
    readme = dict(entries)["README.txt"]
    # Python stops at the stated size (and its CRC holds there); the rest rides along.
    crafted = _write(
        archive.with_name("longer.zip"),
        [(n, c + b"\0" * MiB if n == "README.txt" else c) for n, c in entries],
    )
    _restate(crafted, "README.txt", len(readme), zlib.crc32(readme))
    run = ledger_verify(crafted, "--public-key", str(public_key))
    assert run.code == 1, run.stdout
    assert f"README.txt inflates past its stated size of {len(readme)} bytes" in run.stderr


def test_a_local_header_naming_another_entry_than_the_directory_is_a_mismatch(
    archive: Path, public_key: Path
) -> None:
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zipped:
        local = zipped.getinfo("README.txt").header_offset
    data[local + 30 : local + 40] = b"README.TXT"  # one streaming extractor's name, not another's
    crafted = archive.with_name("renamed.zip")
    crafted.write_bytes(bytes(data))
    run = ledger_verify(crafted, "--public-key", str(public_key))
    assert run.code == 1, run.stdout
    assert "README.txt: its local header names it b'README.TXT'" in run.stderr


# Bounded memory.


@pytest.fixture(scope="module")
def bomb_stream() -> tuple[bytes, int, int]:
    """1.5 GiB of zeros deflated to about 1.5 MB: (raw deflate, size, CRC-32)."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    zeros, parts = bytes(MiB), []
    crc = 0
    for _ in range(1536):
        parts.append(deflate.compress(zeros))
        crc = zlib.crc32(zeros, crc)
    parts.append(deflate.flush())
    return b"".join(parts), 1536 * MiB, crc


def _with_bomb(path: Path, target: Path, name: str, bomb: tuple[bytes, int, int]) -> Path:
    """The archive with ``name`` replaced by the bomb, its sizes stated honestly."""
    stream, size, crc = bomb
    with zipfile.ZipFile(path) as zipped, zipfile.ZipFile(target, "w") as out:
        for info in zipped.infolist():
            if info.filename != name:
                out.writestr(info, zipped.read(info))
        # A placeholder of the compressed length, then its sizes and data rewritten.
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_STORED
        out.writestr(info, bytes(len(stream)))
    data = bytearray(target.read_bytes())
    with zipfile.ZipFile(target) as zipped:
        local = zipped.getinfo(name).header_offset
    name_length, extra_length = struct.unpack_from("<2H", data, local + 26)
    start = local + 30 + name_length + extra_length
    data[start : start + len(stream)] = stream
    struct.pack_into("<H", data, local + 8, zipfile.ZIP_DEFLATED)
    for offset, entry in _central_entries(data):
        if entry == name:
            struct.pack_into("<H", data, offset + 10, zipfile.ZIP_DEFLATED)
            struct.pack_into("<L", data, offset + 24, size)
    target.write_bytes(bytes(data))
    _restate(target, name, size, crc)
    return target


def test_a_zip_bomb_is_refused_before_it_inflates_within_bounded_memory(
    archive: Path,
    public_key: Path,
    bomb_stream: tuple[bytes, int, int],
) -> None:
    bomb = _with_bomb(archive, archive.with_name("bomb.zip"), "events.jsonl", bomb_stream)
    assert bomb.stat().st_size < 2 * MiB
    run = ledger_verify(bomb, "--public-key", str(public_key))
    assert run.code == 1, run.stdout
    assert f"events.jsonl would inflate to {1536 * MiB} bytes, over the limit" in run.stderr
    assert run.peak_mib < PEAK_BOUND_MIB
    # A file that is only hashed, under a raised limit: inflated in chunks, memory bounded.
    readme = _with_bomb(archive, archive.with_name("readme-bomb.zip"), "README.txt", bomb_stream)
    streamed = ledger_verify(readme, "--public-key", str(public_key), "--max-entry-mib", "2048")
    assert streamed.code == 1, streamed.stdout
    assert "README.txt was changed after the archive was issued" in streamed.stderr
    assert streamed.peak_mib < PEAK_BOUND_MIB


def test_a_document_of_empty_containers_is_refused_before_it_is_parsed(
    archive: Path, public_key: Path
) -> None:
    # 24 MB of "{}," would take some 20 times that once parsed.
    containers = b"[" + b"{}," * (8 * MiB) + b"{}]"
    crafted = _write(
        archive.with_name("containers.zip"),
        [(n, containers if n == "proofs.json" else c) for n, c in _entries(archive)],
    )
    run = ledger_verify(crafted, "--public-key", str(public_key))
    assert run.code == 1, run.stdout
    assert "proofs.json would take about" in run.stderr
    assert run.peak_mib < PEAK_BOUND_MIB


def test_the_system_unzip_agrees_on_what_a_verified_archive_holds(
    archive: Path, public_key: Path
) -> None:
    if not shutil.which("unzip"):
        pytest.skip("no unzip on this machine")
    run = ledger_verify(archive, "--public-key", str(public_key))
    assert run.code == 0, run.stderr
    listing = subprocess.run(
        ["unzip", "-Z1", str(archive)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    with zipfile.ZipFile(archive) as zipped:
        assert sorted(listing) == sorted(zipped.namelist())
    assert (
        subprocess.run(["unzip", "-tq", str(archive)], capture_output=True, check=False).returncode
        == 0
    )


def test_a_large_archive_verifies_within_bounded_memory(
    append: Append, client: TestClient, auth: dict[str, str], public_key: Path, tmp_path: Path
) -> None:
    """Material files are hashed as they inflate: memory does not grow with their size."""
    materials = [_material(client, auth, os.urandom(20 * MiB - n)) for n in range(3)]
    survey = f.survey()
    survey["materials"] = materials
    assert append("hh-big", f.registered(), survey).status_code == 201
    for _ in range(4):
        updates = [
            f.event("MemberUpdated", {"member_id": "m1", "labor": labor})
            for labor in ("partial", "full") * 50
        ]
        assert append("hh-big", *updates).status_code == 201
    download = client.get("/v1/households/hh-big/archive", headers=auth)
    assert download.status_code == 200, download.text
    large = tmp_path / "hh-big.zip"
    large.write_bytes(download.content)
    assert large.stat().st_size > 60 * MiB
    run = ledger_verify(large, "--public-key", str(public_key))
    assert run.code == 0, run.stderr
    assert run.stdout.startswith("OK: household hh-big: 402 events")
    assert run.peak_mib < PEAK_BOUND_MIB
