"""Resident identity numbers (公民身份号码, GB 11643-1999).

Only the format and the ISO 7064 MOD 11-2 check digit are checked, as the contract asks.
The arithmetic is python-stdnum's; its full ``cn.ric.validate`` also looks the birth
place up in a table with date ranges and so rejects real numbers from this region (e.g.
530925… issued before 2003), which a ledger of real households must accept.
"""

import re

from stdnum.cn import ric

_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


def has_valid_check_digit(number: str) -> bool:
    """True when ``number`` has 17 digits and a correct check digit (0–9 or X)."""
    return bool(_SHAPE.fullmatch(number)) and ric.calc_check_digit(number) == number[-1]


def with_check_digit(first_17_digits: str) -> str:
    """Completes 17 digits with their check digit (for generators and tests)."""
    if not re.fullmatch(r"[0-9]{17}", first_17_digits):
        raise ValueError("expected exactly 17 digits")
    return first_17_digits + ric.calc_check_digit(first_17_digits + "0")
