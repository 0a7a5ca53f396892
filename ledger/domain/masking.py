"""Display masks for pages (脱敏, CONTRACT §7.3): what an evaluator's page may show of a
person whose values it is not served. Documents carry commitments instead
(``ledger.domain.personal``); a mask only helps a reader tell people apart on a page, and
never shows a birth date or an ID number's birth segment (characters 7–14)."""

from ledger.domain.callers import Caller
from ledger.domain.vocabulary import CallerRole

MASK = "*"


def sees_personal_data(caller: Caller) -> bool:
    """Admins, recorders and auditors read names, ID numbers and birth dates (and each
    such read is logged); evaluators are served commitments."""
    return caller.role != CallerRole.EVALUATOR


def mask_name(name: str | None) -> str | None:
    """张三 → 张*, 欧阳娜娜 → 欧***; a one-character name is masked whole."""
    if name is None:
        return None
    if len(name) <= 1:
        return MASK * len(name)
    return name[0] + MASK * (len(name) - 1)


def mask_id_number(number: str | None) -> str | None:
    """Keeps the region (the first 6 characters) only: 530925************. The birth date
    (7–14) and the sequence and check digits, which with it narrow a person down, are
    hidden; a value too short to keep a region is masked whole."""
    if number is None:
        return None
    if len(number) <= 6:
        return MASK * len(number)
    return number[:6] + MASK * (len(number) - 6)
