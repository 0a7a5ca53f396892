"""An evaluator holding everything it can read (``test_evaluator_reads``: the API's reads
and exports, the archive's every file, the material, the pages) recovers no name, ID number
or birth date (CONTRACT §7.3), by the two attacks a masked ledger invites:

(a) rebuilding an ID number from a served region, a served date and served last digits,
    checked by the GB 11643 check digit;
(b) a dictionary search of names (GB 2312 level-1 hanzi: the 3,755 common characters), ID
    numbers and birth dates against every served hash and commitment: as an unsalted
    SHA-256 of the value's JSON, and as the event hash with the value put in place of a
    commitment.

Each attack is also run against a deliberately leaky variant (an unsalted hash, an event
hashed with a name in clear, a v1 mask beside a birth date), where it succeeds: the
searches are not vacuous. To stay within seconds, two-character names are those whose
first character is one of 98 common surnames, and three-character names those of five
common surnames followed by two of the first 300 level-1 characters (in the event-hash
search, which hashes a whole event per guess: ten surnames, and 李 with two of the first
200); every 1-character name is tried. The seeded names lie in these sets (the test checks
it); ID numbers are guessed from the served regions and dates and even the members' true
birth dates, birth dates from every day of 1900–2025.
"""

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

import orjson
from fastapi.testclient import TestClient

from ledger.domain.idnumber import with_check_digit
from ledger.domain.integrity import HASHED_FIELDS, canonical_json, event_hash
from ledger.domain.masking import mask_id_number
from ledger.domain.personal import Path, fields_of, get_at
from tests.e2e.test_evaluator_reads import (
    BIRTHS,
    HEAD,
    ID_NUMBERS,
    NAMES,
    Served,
    evaluator_token,
    everything_an_evaluator_reads,
    seeded,  # noqa: F401 (fixture)
)

# GB 2312 rows 16–55 (bytes 0xB0A1–0xD7F9) are exactly level 1 (一级汉字).
HANZI = [
    bytes([high, low]).decode("gb2312")
    for high in range(0xB0, 0xD8)
    for low in range(0xA1, 0xFF)
    if (high, low) <= (0xD7, 0xF9)
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎"
    "贺顾毛郝龚邵万钱严武戴莫孔向汤"
)
GIVEN_SUBSET = HANZI[:300]
FIRST_BIRTH, LAST_BIRTH = date(1900, 1, 1), date(2025, 12, 31)


@cache
def names() -> tuple[str, ...]:
    """Every 1-character name; 2 characters: a common surname and any character; 3: one of
    five common surnames and two of the first 300 characters."""
    two = [s + c for s in SURNAMES for c in HANZI]
    three = [s + a + b for s in SURNAMES[:5] for a in GIVEN_SUBSET for b in GIVEN_SUBSET]
    return (*HANZI, *two, *three)


@cache
def names_for_events() -> tuple[str, ...]:
    """The names tried in each event field (an event hash costs some 2 kB of SHA-256, a
    bare one a few bytes): every 1-character name, ten surnames with any character, 李 with
    two of the first 200."""
    two = [s + c for s in SURNAMES[:10] for c in HANZI]
    three = ["李" + a + b for a in GIVEN_SUBSET[:200] for b in GIVEN_SUBSET[:200]]
    return (*HANZI, *two, *three)


@cache
def birth_dates() -> tuple[str, ...]:
    days = (LAST_BIRTH - FIRST_BIRTH).days + 1
    return tuple((FIRST_BIRTH + timedelta(days=n)).isoformat() for n in range(days))


# What an evaluator's documents give an attacker.

HEX = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
COMMITMENT = re.compile(r"c:([0-9a-f]{64})")
ISO_DATE = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})-([01][0-9])-([0-3][0-9])(?![0-9])")
COMPACT_DATE = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})([01][0-9])([0-3][0-9])(?![0-9])")
ID_LIKE = re.compile(r"(?<![0-9a-fA-F*])([0-9]{6})[0-9*]{8}([0-9Xx*]{4})(?![0-9a-fA-F*])")
VILLAGE_CODE = re.compile(r"(?<![0-9])([1-8][0-9]{5})[0-9]{6}(?![0-9])")


@dataclass
class Gathered:
    """Everything an evaluator could use, from its documents."""

    texts: list[str]
    hashes: set[str] = field(default_factory=set)  # every 64-hex string, commitments' too
    commitments: set[str] = field(default_factory=set)
    dates: set[date] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    last_fours: set[str] = field(default_factory=set)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)


def gathered(served: Served) -> Gathered:
    found = Gathered([text for _, text in served])
    for text in found.texts:
        found.hashes |= set(HEX.findall(text))
        found.commitments |= set(COMMITMENT.findall(text))
        for year, month, day in [*ISO_DATE.findall(text), *COMPACT_DATE.findall(text)]:
            try:
                found.dates.add(date(int(year), int(month), int(day)))
            except ValueError:
                continue
        for region, last in ID_LIKE.findall(text):
            found.regions.add(region)
            if "*" not in last:
                found.last_fours.add(last.upper())
        found.regions |= set(VILLAGE_CODE.findall(text))
        found.events.update({e["id"]: e for e in _events_in(text)})
    found.hashes |= found.commitments
    return found


def _events_in(text: str) -> list[dict[str, Any]]:
    """The served events in a document: a history or feed page, or archive lines."""
    documents: list[Any] = []
    for candidate in (text, *text.splitlines()):
        try:
            documents.append(orjson.loads(candidate))
        except orjson.JSONDecodeError:
            continue
    events = []
    for document in documents:
        items = document.get("items") if isinstance(document, dict) else None
        for item in items if isinstance(items, list) else [document]:
            if isinstance(item, dict) and {"id", "hash", "type", "data"} <= item.keys():
                events.append(item)
    return events


# (a) Rebuilding ID numbers.


def rebuilt_id_numbers(found: Gathered) -> set[str]:
    """Region + a served date + served last four characters, kept when the GB 11643 check
    digit holds."""
    rebuilt = set()
    for region in found.regions:
        for day in found.dates:
            for last in found.last_fours:
                number = f"{region}{day:%Y%m%d}{last}"
                if number[:17].isdigit() and with_check_digit(number[:17]) == number:
                    rebuilt.add(number)
    return rebuilt


def id_number_guesses(regions: Iterable[str], days: Iterable[date]) -> set[str]:
    """Every valid number of these regions and birth dates (1,000 sequence numbers each)."""
    return {
        with_check_digit(f"{region}{day:%Y%m%d}{serial:03d}")
        for region in regions
        for day in days
        for serial in range(1000)
    }


# (b) Dictionary search.


def _json(value: str) -> bytes:
    return canonical_json(value)


Guesses = list[tuple[str, bytes]]
"""Values with their JSON form, encoded once."""


def encoded(values: Iterable[str]) -> Guesses:
    return [(value, _json(value)) for value in values]


def unsalted_matches(candidates: Iterable[str], targets: set[str]) -> set[str]:
    """Candidates whose unsalted SHA-256 of their JSON form is among ``targets``."""
    sha256 = hashlib.sha256
    return {c for c in candidates if sha256(_json(c)).hexdigest() in targets}


PLACEHOLDER = "@@guess@@"


def substitution_matches(event: Mapping[str, Any], path: Path, candidates: Guesses) -> set[str]:
    """Candidates which, put at ``path`` in place of the commitment, give the event's hash."""
    content: dict[str, Any] = orjson.loads(
        orjson.dumps({name: event.get(name) for name in HASHED_FIELDS})
    )
    holder = get_at(content, path[:-1])
    holder[path[-1]] = PLACEHOLDER
    before, _, after = canonical_json(content).partition(_json(PLACEHOLDER))
    prefix = hashlib.sha256(before)
    wanted = event["hash"]
    matches = set()
    for candidate, candidate_json in candidates:
        guess = prefix.copy()
        guess.update(candidate_json + after)
        if guess.hexdigest() == wanted:
            matches.add(candidate)
    return matches


@cache
def encoded_names() -> Guesses:
    return encoded(names_for_events())


@cache
def encoded_birth_dates() -> Guesses:
    return encoded(birth_dates())


def guesses_for(pointer: str, id_numbers: Guesses) -> Guesses:
    if pointer.endswith("/id_number"):
        return id_numbers
    if pointer.endswith("/birth_date"):
        return encoded_birth_dates()
    return encoded_names()


def substitution_search(
    events: Iterable[Mapping[str, Any]], id_numbers: Guesses
) -> dict[str, set[str]]:
    """For each personal field of each event, the guesses that rebuild its hash."""
    found = {}
    for event in events:
        for personal in fields_of(event):
            matches = substitution_matches(
                event, personal.path, guesses_for(personal.pointer, id_numbers)
            )
            if matches:
                found[f"{event['id']} {personal.pointer}"] = matches
    return found


def _with_value(event: Mapping[str, Any], path: Path, value: str) -> dict[str, Any]:
    """The event hashed with ``value`` in clear at ``path``: the leak a salt prevents."""
    leaky: dict[str, Any] = orjson.loads(orjson.dumps(event))
    get_at(leaky, path[:-1])[path[-1]] = value
    leaky["hash"] = event_hash(leaky)
    return leaky


# The attack.


def test_an_evaluator_with_everything_it_reads_recovers_no_name_id_number_or_birth_date(
    seeded: str,
    client: TestClient,
    make_token: Callable[..., str],
) -> None:
    found = gathered(everything_an_evaluator_reads(client, evaluator_token(make_token), seeded))
    births = {date.fromisoformat(born) for born in BIRTHS.values()}
    real_ids = set(ID_NUMBERS.values())
    assert len(found.events) == 5
    assert len(found.commitments) >= 4 * 3 + 5 * 2 + 1  # members', actors', recorders', file

    # (a) No birth date served, nor any ID number's characters 7–14; nothing rebuilt.
    assert not found.dates & births
    segments = {number[6:14] for number in real_ids}
    assert not [s for s in segments for text in found.texts if s in text]
    assert "530925" in found.regions
    assert not rebuilt_id_numbers(found) & real_ids
    # … which succeeds once a v1 mask (the last four kept) is served beside a birth date.
    leaky = Gathered(
        [],
        dates=found.dates | births,
        regions=found.regions,
        last_fours={m[-4:] for m in (_v1_mask(n) for n in real_ids)},
    )
    assert rebuilt_id_numbers(leaky) >= real_ids

    # (b) No served hash or commitment is an unsalted hash of a name, an ID number (even
    # guessed with the true birth dates) or a birth date …
    id_guesses = id_number_guesses(found.regions, found.dates | births)
    assert real_ids <= id_guesses
    assert set(NAMES) <= set(names())
    candidates = [*names(), *id_guesses, *birth_dates()]
    assert unsalted_matches(candidates, found.hashes) == set()
    # … which it finds when one is.
    leaked = {hashlib.sha256(_json(value)).hexdigest() for value in (HEAD, *real_ids)}
    assert unsalted_matches(candidates, found.hashes | leaked) == {HEAD, *real_ids}

    # No event's hash is rebuilt with a guessed value in place of a commitment …
    assert set(NAMES) <= set(names_for_events())
    encoded_ids = encoded(id_guesses)
    assert substitution_search(found.events.values(), encoded_ids) == {}
    # … which it is for an event hashed with a value in clear.
    registration = next(e for e in found.events.values() if e["version"] == 1)
    for pointer, value in (
        ("/data/members/0/name", HEAD),
        ("/data/members/0/id_number", ID_NUMBERS["m1"]),
        ("/data/members/0/birth_date", BIRTHS["m1"]),
    ):
        path = next(p.path for p in fields_of(registration) if p.pointer == pointer)
        leaky_event = _with_value(registration, path, value)
        assert substitution_matches(leaky_event, path, guesses_for(pointer, encoded_ids)) == {value}


def _v1_mask(number: str) -> str:
    """How contract v1 masked an ID number for evaluators: region, asterisks, last four."""
    masked = mask_id_number(number)
    assert masked is not None
    return masked[:14] + number[14:]
