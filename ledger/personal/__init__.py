"""Personal data kept apart from the event log (CONTRACT §7.3): sealed at append, opened
for readers of personal data, committed for evaluators, erased on request."""

from ledger.personal.key import PersonalKeyError, load_or_create_personal_key, personal_key_for
from ledger.personal.vault import PersonalVault

__all__ = [
    "PersonalKeyError",
    "PersonalVault",
    "load_or_create_personal_key",
    "personal_key_for",
]
