"""The procedures of a synthetic household's history, as an upstream app sends them.

Identification (识别, six steps) and risk elimination (风险消除) follow 002 §三 and §五, in
the rounds of 2020 and 2021: each round's notices run Monday to Friday of a week of the
dynamic-adjustment campaign (000/001: 10-20 → 11-15) that has five official working
days, so every complete procedure is complete on the official calendar too. Each step is
done by whoever answers for it (谁采集谁负责): village cadres, the work team, the
household itself, the township, the departments and the county.
"""

import hashlib
from datetime import date, timedelta
from random import Random
from typing import Any

from demo.divisions import (
    County,
    Village,
    county_official,
    department_official,
    township_official,
)
from demo.risks import RISK_WEIGHTS, RISKS
from ledger.domain.labels import MATERIAL_KINDS

Event = dict[str, Any]
NOTICE_MONDAYS = {
    2020: (date(2020, 10, 19), date(2020, 10, 26), date(2020, 11, 2)),
    2021: (date(2021, 10, 18), date(2021, 10, 25), date(2021, 11, 1)),
}


class History:
    """One household's events, oldest first, built step by step."""

    def __init__(
        self,
        household_id: str,
        rng: Random,
        county: County,
        village: Village,
        members: list[dict[str, Any]],
    ) -> None:
        self.household_id, self.rng, self.county, self.village = (
            household_id,
            rng,
            county,
            village,
        )
        self.members = members
        self.present = len(members)  # members added or removed after the registration count
        self.risk = rng.choices(RISKS, weights=RISK_WEIGHTS)[0]
        self.events: list[Event] = []
        self.quirk: str | None = None  # a planted data-quality slip or signal (``quality``)
        self.measure_category: str | None = None  # the first measure's, when not the risk's
        self.quirks = Random(f"ledger.demo quality {household_id}")  # their own numbers
        head = members[0]
        self.household = {
            "id": f"{household_id}-{head['member_id']}",
            "name": head["name"],
            "role": "household",
            "org": village.code,
        }

    def add(
        self,
        type_: str,
        data: dict[str, Any],
        on: date,
        actor: dict[str, Any],
        *materials: str,
        hour: int = 10,
    ) -> Event:
        event: Event = {
            "type": type_,
            "occurred_at": f"{on.isoformat()}T{hour:02d}:00:00+08:00",
            "actor": actor,
            "data": data,
        }
        if materials:
            event["materials"] = [self._material(kind) for kind in materials]
        self.events.append(event)
        return event

    def _material(self, kind: str) -> dict[str, Any]:
        # Stands for a scanned paper: a content address unique to this household and step.
        name = f"{self.household_id}-{len(self.events)}-{kind}"
        return {
            "sha256": hashlib.sha256(name.encode()).hexdigest(),
            "kind": kind,
            "name": f"{MATERIAL_KINDS[kind]}.jpg",
            "media_type": "image/jpeg",
            "size": self.rng.randrange(80_000, 900_000),
        }

    @property
    def measure(self) -> str:
        """The first measure's category: the one answering the risk, unless planted."""
        return self.measure_category or self.risk.measure

    @property
    def cadre(self) -> dict[str, Any]:
        return self.village.cadres[0]

    @property
    def work_team(self) -> dict[str, Any]:
        return self.village.cadres[1]

    def register(self, on: date, *, filed_card: bool) -> None:
        self.add(
            "HouseholdRegistered",
            {
                "village_code": self.village.code,
                "group": self.village.group(self.rng.randrange(99)),
                "category": "poverty_alleviated" if filed_card else "general",
                "filed_card": filed_card,
                "members": list(self.members),
            },
            on,
            self.village.cadres[2],
            hour=9,
        )

    def survey(
        self,
        on: date,
        *,
        purpose: str,
        year: int,
        per_capita: int,
        risky: bool = False,
        lacks_labor: bool = False,
        stable_work: bool = True,
        materials: tuple[str, ...] = ("survey_form", "income_sheet"),
        wage: int | None = None,
    ) -> Event:
        """A field survey whose income adds up to ``per_capita`` for the members present;
        ``wage`` a planted wage income (the rest then recorded as transfers)."""
        rng, total = self.rng, per_capita * self.present
        transfer = round(total * rng.uniform(0.05, 0.2))
        operating = round(total * rng.uniform(0.1, 0.4))
        cost = round(operating * rng.uniform(0.1, 0.4))
        if wage is not None:
            transfer = total - operating + cost - wage
        guarantees = dict.fromkeys(
            ("food_clothing", "education", "medical", "housing", "drinking_water"), "secure"
        )
        risk_types = [self.risk.risk_type] if risky else []
        if risky and self.risk.guarantee:
            guarantees[self.risk.guarantee] = "at_risk"
            if self.risk.guarantee in ("housing", "drinking_water"):  # 4_11_006/007
                risk_types += [t for t in (self.risk.guarantee,) if t not in risk_types]
        return self.add(
            "FieldSurveyConducted",
            {
                "purpose": purpose,
                "period": {"start": f"{year - 1}-10-01", "end": f"{year}-09-30"},
                "income": {
                    "wage": total - transfer - operating + cost,
                    "operating": operating,
                    "property": 0,
                    "transfer": transfer,
                    "operating_cost": cost,
                },
                "household_size": self.present,
                "per_capita_net_income": per_capita,
                "rigid_expenditure": {
                    "medical": rng.randrange(15_000, 60_000, 100)
                    if risky and self.risk.risk_type == "illness"
                    else rng.randrange(0, 3000, 100),
                    "education": rng.randrange(0, 6000, 100),
                    "other": 0,
                },
                "guarantees": guarantees,
                "whole_household_lacks_labor": lacks_labor,
                "stable_income_from_work": stable_work,
                "risk_types": risk_types,
            },
            on,
            self.work_team,
            *materials,
        )

    def locate(self, on: date) -> None:
        """家庭位置采集, part of the 2021 campaign for monitored households."""
        self.add(
            "LocationRecorded",
            {
                "lat": round(self.village.lat + self.rng.uniform(-0.02, 0.02), 5),
                "lon": round(self.village.lon + self.rng.uniform(-0.02, 0.02), 5),
                "accuracy_m": float(self.rng.randrange(5, 40)),
            },
            on,
            self.work_team,
        )

    def warned(self, on: date) -> None:
        risk = self.risk
        self.add(
            "WarningReceived",
            {
                "department": risk.department,
                "code": risk.warning,
                "summary": risk.summary,
                **(
                    {"amount": self.rng.randrange(10_000, 80_000, 100)}
                    if risk.warning == "medical_self_pay_high"
                    else {}
                ),
            },
            on,
            department_official(self.county, risk.department),
        )

    def appraisal(self, on: date, purpose: str, *materials: str) -> None:
        heads = self.rng.randint(20, 60)
        party = self.rng.randint(3, 12)
        against = self.rng.randint(0, 2)
        self.add(
            "DemocraticAppraisalHeld",
            {
                "purpose": purpose,
                "attendees": {
                    "party_members": party,
                    "household_heads": heads,
                    "total": party + heads,
                },
                "votes": {"for": party + heads - against, "against": against, "abstain": 0},
                "result": "approved",
            },
            on,
            self.cadre,
            *materials,
        )

    def notice(self, monday: date, purpose: str, *materials: str) -> None:
        self.add(
            "PublicNoticePosted",
            {
                "purpose": purpose,
                "channels": ["group_board", "rescue_platform"],
                "start_date": monday.isoformat(),
                "end_date": (monday + timedelta(days=4)).isoformat(),
            },
            monday,
            self.cadre,
            *materials,
        )

    def reviewed(self, on: date, purpose: str) -> None:
        self.add(
            "TownshipReviewed",
            {"purpose": purpose, "decision": "approved", "spot_checked": True},
            on,
            township_official(self.village),
            "review_record",
        )

    def marked(
        self,
        on: date,
        marking: str,
        monitoring_type: str | None = None,
        *,
        actor: dict[str, Any] | None = None,
        hour: int = 16,
    ) -> None:
        data = {"marking": marking}
        if monitoring_type:
            data["monitoring_type"] = monitoring_type
        self.add("SystemMarked", data, on, actor or county_official(self.county), hour=hour)
