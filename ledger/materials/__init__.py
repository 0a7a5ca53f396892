"""Trace materials (痕迹资料): the files kept by their SHA-256 (``store.py``), and who may
upload and read them (``access.py``)."""

from ledger.materials.access import (
    Citations,
    Grant,
    Upload,
    covers,
    included_in_archive,
    readable,
    upload,
)
from ledger.materials.store import (
    CHUNK_BYTES,
    MaterialsStoreFull,
    MaterialsStoreUnavailable,
    MaterialStore,
    Readable,
    StoredMaterial,
    check_sha256,
    storage_error,
)

__all__ = [
    "CHUNK_BYTES",
    "Citations",
    "Grant",
    "MaterialStore",
    "MaterialsStoreFull",
    "MaterialsStoreUnavailable",
    "Readable",
    "StoredMaterial",
    "Upload",
    "check_sha256",
    "covers",
    "included_in_archive",
    "readable",
    "storage_error",
    "upload",
]
