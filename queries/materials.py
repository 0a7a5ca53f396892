"""Trace materials: which stored file a caller may read, and through which households."""

from ledger import materials
from ledger.domain.callers import Caller
from ledger.materials import Citations, Grant, MaterialStore
from ledger.persistence.ports import MaterialsIndex


class MaterialQuery:
    def __init__(self, store: MaterialStore, tables: MaterialsIndex, citations: Citations) -> None:
        self.store = store
        self.tables = tables
        self.citations = citations  # the read models' households citing a file

    def readable(self, caller: Caller, sha256: str) -> Grant:
        """The material if the caller may read it, else ``UnknownMaterial``."""
        return materials.readable(self.store, self.tables, caller, sha256, self.citations)
