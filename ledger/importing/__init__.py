"""Bulk import (``ledger import``): NDJSON lines (``ndjson``) and the county's xlsx roster
(``roster``, its blank template in ``roster.template``), appended in chunks through the
one append pipeline (``run``) under keys their content fixes (``items``)."""

from ledger.importing.items import Failure, Item, Line, keyed
from ledger.importing.ndjson import import_lines, numbered_lines, parse
from ledger.importing.run import CHUNK_LINES, Summary, append_chunk, import_items

__all__ = [
    "CHUNK_LINES",
    "Failure",
    "Item",
    "Line",
    "Summary",
    "append_chunk",
    "import_items",
    "import_lines",
    "keyed",
    "numbered_lines",
    "parse",
]
