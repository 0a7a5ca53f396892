"""The trace archive (痕迹资料) of one household: a zip a third party can verify offline
with ``ledger verify`` and nothing else.

Layout (format ``ledger-trace-archive/3``; ``/2`` had no ``tlog/``, ``/1`` no commitments)::

    manifest.json     household, version, head hash, tree size, each file's SHA-256,
                      signed with the checkpoint key and, as a signed note ("note"), with
                      the log's note key (so a dropped last event shows to a verifier
                      holding either the key or the witness policy);
                      ``"personal_data"``: ``"opened"`` (values with their openings, for
                      readers of personal data) or ``"committed"`` (for an evaluator)
    events.jsonl      the events as served, oldest first: personal values in clear with
                      ``openings``, or as commitments; each re-hashes to its ``hash``
                      (CONTRACT §7.3)
    chain.json        version, id, prev_hash, hash of each event
    checkpoint.json   the signed checkpoint every proof refers to
    public-key.json   the key that signed it
    proofs.json       an RFC 6962 inclusion proof of every event in that checkpoint's tree
    materials.json    every material the events cite, and whether its file is included
    materials/<sha>   the files the store holds (content-addressed: the name is the proof)
    tlog/<event id>.tlog-proof
                      each event's c2sp.org/tlog-proof@v1: its leaf index, its RFC 6962
                      inclusion path and the log's cosigned checkpoint note
                      (``TransparencyLog.note_for_proofs`` says which note)
    tlog/policy.txt   the service's witness policy (c2sp.org/tlog-policy), for reading
                      only: ``ledger verify --policy`` trusts the policy it is given
    report.html       the readable report (Chinese labels)
    README.txt        how to verify
"""

import base64
import hashlib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.domain.completeness import assess
from ledger.domain.configuration import RulesConfiguration
from ledger.domain.integrity import canonical_json
from ledger.domain.masking import sees_personal_data
from ledger.domain.serialization import event_document, state_document
from ledger.materials import MaterialStore, included_in_archive
from ledger.reading import HouseholdReads
from ledger.transparency import signing
from ledger.transparency.c2sp.note import Ed25519Signer, Note
from ledger.transparency.c2sp.proof import EXTENSION, TlogProof
from ledger.transparency.log import TransparencyLog
from ledger.transparency.report import render_report

# /3 adds tlog/. A new name, so that a reader of /2 (which accepts only its own name)
# refuses the archive rather than report it verified without the proofs it cannot read.
FORMAT = "ledger-trace-archive/3"
FORMAT_2 = "ledger-trace-archive/2"
READABLE_FORMATS = (FORMAT_2, FORMAT)
TLOG_POLICY = "tlog/policy.txt"
SIGNED_FILES = (
    "events.jsonl",
    "chain.json",
    "checkpoint.json",
    "public-key.json",
    "proofs.json",
    "materials.json",
    "report.html",
    "README.txt",
)

README = """\
防止返贫动态监测 痕迹资料档案 / Trace-material archive
=====================================================

本档案可离线核验，无需信任服务器 / Verify it offline, without trusting the server:

    ledger verify {file} [--public-key 公钥文件] [--policy 见证策略文件]

核验内容 / What is checked:
  1. 每条记录的哈希 (RFC 8785 规范化 JSON 的 SHA-256) 与内容一致，且逐条相连成链；
     every event's hash matches its content, and each names the previous one (a chain).
  2. 每条记录都包含在已签名的 Merkle 树 (RFC 6962) 中；
     every event is included in the signed RFC 6962 Merkle tree (proofs.json).
  3. 检查点与清单的 Ed25519 签名有效；
     the Ed25519 signatures of the checkpoint and of manifest.json hold.
  4. 材料文件的 SHA-256 与其文件名一致，清单中各文件未被改动；
     each material file hashes to its name; no file differs from the manifest.
  5. (--policy) tlog/ 中每条记录的 tlog-proof 由策略所列日志签名、见证联署达到法定数，
     且证明该记录包含在日志中。
     (--policy) each event's tlog/<id>.tlog-proof: the checkpoint note is signed by a log
     of the policy, its witness cosignatures meet the policy's quorum, and the path proves
     the event in that checkpoint (c2sp.org/tlog-proof, c2sp.org/tlog-policy).

请使用从主管部门另行取得的公钥 (--public-key) 或见证策略 (--policy)，以免档案连同公钥一起被替换；
档案中的 tlog/policy.txt 仅供参阅。
Obtain the public key (--public-key) or the witness policy (--policy) separately, so
that a forged archive cannot bring its own; tlog/policy.txt is for reading only.
"""
COMMITTED_README = """
本档案供评估使用：姓名、身份证号、出生日期以加盐承诺 ("c:…") 代替，不含明文；每条记录照常重新计算
哈希并核验 ("personal_data": "committed")。材料文件为原件。
This copy was made for an evaluator: names, ID numbers and birth dates are salted
commitments ("c:…"), never values; every event re-hashes and verifies in full
("personal_data": "committed"). Material files are the originals.
"""


@dataclass(frozen=True)
class ArchiveSources:
    """What an archive is made from: the ledger, its log, the materials, the rules."""

    ledger: HouseholdLedger
    transparency: TransparencyLog
    materials: MaterialStore
    configuration: RulesConfiguration
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def write_archive(
    sources: ArchiveSources, household_id: str, caller: Caller, target: str | Path | IO[bytes]
) -> dict[str, Any]:
    """Writes the household's archive to ``target``; returns its manifest. Raises
    ``UnknownHousehold`` outside the caller's division. For an evaluator, names, ID
    numbers and birth dates are commitments in every file but the material files
    themselves (the evidence)."""
    ledger, transparency = sources.ledger, sources.transparency
    opens = sees_personal_data(caller)
    household, events = HouseholdReads(ledger).household_and_events(household_id, caller)
    stored = [event_document(event) for event in events]
    openings = ledger.personal.of_events(stored)
    served = [(openings.opened if opens else openings.committed)(doc) for doc in stored]
    state = state_document(household)
    if opens:
        state = ledger.personal.opened_state(state)
    leaves = transparency.tables.leaves_of_household(household_id)
    if len(leaves) < len(events):
        transparency.catch_up()
        leaves = transparency.tables.leaves_of_household(household_id)
    checkpoint = transparency.covering(leaves[-1].leaf_index)
    by_event = {leaf.event_id: leaf for leaf in leaves}
    archived_leaves = [by_event[doc["id"]] for doc in served]
    proofs = transparency.inclusions(archived_leaves, checkpoint.tree_size)
    note_size, note = transparency.note_for_proofs(leaves[-1].leaf_index)
    # Usually the note is of the JSON checkpoint's tree: one set of paths serves both.
    note_proofs = (
        proofs
        if note_size == checkpoint.tree_size
        else transparency.inclusions(archived_leaves, note_size)
    )
    tlog_proofs = {
        tlog_proof_name(p.leaf.event_id): TlogProof(
            p.leaf.leaf_index, tuple(bytes.fromhex(h) for h in p.path), note
        )
        .format()
        .encode()
        for p in note_proofs
    }
    config = sources.configuration.for_division(household.village_code or "")
    materials = materials_index(
        served,
        included_in_archive(ledger.tables, sources.materials, caller, household.village_code or ""),
    )
    generated_at = sources.clock().isoformat()

    files: dict[str, bytes] = {
        "events.jsonl": b"".join(orjson.dumps(doc) + b"\n" for doc in served),
        "chain.json": _json(
            [
                {
                    "version": d["version"],
                    "event_id": d["id"],
                    "prev_hash": d["prev_hash"],
                    "hash": d["hash"],
                }
                for d in served
            ]
        ),
        "checkpoint.json": _json(checkpoint.document()),
        "public-key.json": _json({"public_key": transparency.public_key}),
        "proofs.json": _json(
            [
                {"event_id": p.leaf.event_id, "version": doc["version"], **p.document()}
                for p, doc in zip(proofs, served, strict=True)
            ]
        ),
        "materials.json": _json(materials),
        "report.html": render_report(
            household=state,
            events=served,
            completeness=assess(household_id, events, config).to_document(),
            checkpoint=checkpoint.document(),
            materials=materials,
            generated_at=generated_at,
        ).encode(),
        "README.txt": (
            README.format(file=f"{household_id}.zip") + ("" if opens else COMMITTED_README)
        ).encode(),
        TLOG_POLICY: transparency.policy.text.encode(),
        **tlog_proofs,
    }
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "household_id": household_id,
        "version": household.version,
        "head_hash": served[-1]["hash"],
        "tree_size": checkpoint.tree_size,
        "generated_at": generated_at,
        "public_key": transparency.public_key,
        "files": {name: hashlib.sha256(content).hexdigest() for name, content in files.items()},
    }
    manifest["personal_data"] = "opened" if opens else "committed"
    manifest["signature"] = signing.sign(transparency.key, manifest_content(manifest))
    manifest["note"] = manifest_note(transparency.identity.signer, manifest).format()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", _json(manifest))
        for name, content in files.items():
            archive.writestr(name, content)
        for material in materials:
            path = sources.materials.path(material["sha256"]) if material["included"] else None
            if path is not None and f"materials/{material['sha256']}" not in archive.namelist():
                # Scans and photos are compressed already: stored as they are.
                archive.write(
                    path, f"materials/{material['sha256']}", compress_type=zipfile.ZIP_STORED
                )
    return manifest


def tlog_proof_name(event_id: str) -> str:
    return f"tlog/{event_id}{EXTENSION}"


def manifest_content(manifest: dict[str, Any]) -> bytes:
    """What the manifest's signatures cover: every field but the signatures."""
    return canonical_json({k: v for k, v in manifest.items() if k not in ("signature", "note")})


def manifest_note_text(manifest: dict[str, Any]) -> str:
    """The text the log's note key signs for a manifest: its format, then the base64
    SHA-256 of what the JSON signature covers. A space in the first line keeps it from ever
    reading as a checkpoint (an origin holds no space)."""
    digest = base64.b64encode(hashlib.sha256(manifest_content(manifest)).digest()).decode()
    return f"{manifest['format']} manifest\n{digest}\n"


def manifest_note(signer: Ed25519Signer, manifest: dict[str, Any]) -> Note:
    """The manifest signed by the log's note key, so that a verifier holding only the
    witness policy (which names that key) sees a dropped last event too."""
    text = manifest_note_text(manifest)
    return Note(text, (signer.sign(text),))


def materials_index(
    served: list[dict[str, Any]],
    included: Callable[[str], bool],
) -> list[dict[str, Any]]:
    """Every cited material; ``included(sha256)``: whether the archive carries its file
    (``ledger.materials.included_in_archive``: citing a hash gives no one else's file)."""
    index = []
    for doc in served:
        for material in doc["materials"]:
            index.append(
                {
                    **material,
                    "event_id": doc["id"],
                    "version": doc["version"],
                    "included": included(material["sha256"]),
                }
            )
    return index


def _json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2)
