"""Exact storage of event values with the library's stock ``JSONTranscoder``.

The stock transcoder already keeps ``UUID``, ``Decimal`` (as its exact string) and
``datetime`` (ISO form, offset kept); dates need one more transcoding. Enumerations are
stored as their plain string values (payloads use ``use_enum_values``), so nothing in
the stored format depends on a Python class but the event's own topic.
"""

from datetime import date

from eventsourcing.persistence import JSONTranscoder, Transcoding


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def register_ledger_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
