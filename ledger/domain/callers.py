"""Who calls the API: a bearer token bound to a role and a division (code prefix)."""

from dataclasses import dataclass
from typing import Any

from ledger.domain.vocabulary import CallerRole


@dataclass(frozen=True)
class Caller:
    token_id: str
    name: str
    role: CallerRole
    division: str  # a division code prefix: "53" is Yunnan, "530925" Shuangjiang
    department: str | None = None

    def recorded_by(self) -> dict[str, Any]:
        """The server-set ``recorded_by`` of every event this caller appends (谁录入谁负责)."""
        return {
            "token_id": self.token_id,
            "name": self.name,
            "role": str(self.role),
            "division": self.division,
            "department": self.department,
        }
