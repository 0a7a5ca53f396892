"""A synthetic county (模拟县) for demonstrations and benchmarks: households' histories as
contract-shaped JSON events, exactly what ``POST /v1/households/{id}/events`` accepts.

A tool, not part of the service: only ``ledger demo``, the benchmarks and the tests import
it (an import contract keeps it out of the production packages). Pure: no database, no web.
``household(n)`` depends on ``(seed, n)`` alone, so a county of N households is the first N
of one fixed sequence whatever N is; ids are ``hh-000000`` …, unrelated to the village (as
upstream ids are). The random generators' seeds still say ``ledger.demo``, where the county
was first kept: other seeds would make another county.

**Divisions.** County 530925 (双江县, or any 6-digit code): 2 towns and 4 townships, 12
villages each, with 12-digit codes and generated names; villager groups; the village's
cadres, the work team and the information officer, the township, the departments and the
county each act in the steps they answer for (谁采集谁负责).

**People.** Members with valid 18-character ID numbers (GB 11643 check digit, the
county's code, the birth date, the sex digit), generated Chinese names, ages, labour,
health and schooling; about 3 people a household.

**Proportions** (``proportions.py``), per block of 40,000 households, exact in each block:

* 7,502 poverty-alleviated (filed-card, 建档立卡) households (000 §二(七));
* 940 households monitored since 2019 (000 §二(六)), typed 472 unstable alleviated, 461
  marginal and 7 sudden hardship (the seed's 456 : 445 : 7, scaled to the 940); every
  unstable-alleviated one is filed-card;
* of the 940, 47 still monitored and 893 risk eliminated, as the province's 82.3 : 78
  (000 §一, which calls it more than the reality);
* the other 39,060 general or poverty-alleviated households are not monitored.

The total (40,000) is an assumption, the seeds give none. How the monitored split into
the archetypes below is chosen, not from the seeds, so that each completeness and
look-back rule has households to find. Identifications happen in the rounds of 2020 and
2021 (the seeds' floors; 2019 has none configured), eliminations in 2021.

**Archetypes** (``ARCHETYPES``, share of the county):

* ``registered`` (97.45 %) — registered in spring 2021, surveyed in the 2021 round above
  the floor, never monitored: no episode, no gap; 2 % have a birth, up to 2 % a death
  (人口自然变更) before the survey;
* ``should_enroll`` (0.1 %) — the same, but the survey is below the floor
  (LB_SHOULD_ENROLL, 应纳未纳);
* ``unanswered_warning`` (0.1 %) — a department warning in June 2021 never screened nor
  surveyed within the follow-up window (LB_TRIGGER_UNVERIFIED);
* ``monitored_complete`` (0.045 %) — a complete identification (no violation), monitored
  (entrants of 2020 also surveyed and appraised unstable in 2021);
* ``monitored_incomplete`` (0.045 %) — the same with one to three steps or materials left
  out (MISSING_NOTICE, MISSING_APPLICATION, MISSING_DEPARTMENT_CHECK, MISSING_MATERIAL …);
* ``exclusion_found`` (0.015 %) — identified although a department found an exclusion
  situation (EXCLUSION_FOUND; LB_WITHDRAW_EXCLUSION, or LB_ROLLBACK_MARK_EXCLUSION when
  filed-card);
* ``wrong_type`` (0.0125 %) — a type that contradicts the identification income
  (LB_TYPE_MISMATCH);
* ``eliminated_complete`` (1.625 %) — identified in 2020, assisted, risk eliminated in
  2021 above the floor with every step;
* ``eliminated_incomplete`` (0.275 %) — the elimination lacks one or two steps, most often
  the appraisal or the notice (MISSING_…; LB_MISSING_PROCEDURE);
* ``eliminated_below_floor`` (0.1375 %) — eliminated although the elimination survey is
  below the floor (INCOME_BELOW_FLOOR; LB_REMARK_INCOME_BELOW_FLOOR), half of them
  without informed consent;
* ``eliminated_without_labor`` (0.1125 %) — an old household without full labour and
  without stable income from work, eliminated (LB_ROLLBACK_NO_LABOR);
* ``eliminated_still_assisted`` (0.0825 %) — eliminated while its measure goes on
  (LB_ROLLBACK_UNSTABLE).

Monitored households also record their location (家庭位置) in the 2021 campaign; a
monitored household able to work has an industry or employment measure beside the one
answering its risk, one at risk of disability a disabled member, and an elimination is
marked by the township's official in the weeks after the county's confirmation.

**Data quality and formalism** (``quality.py``, proportions in ``QUIRK_CYCLES``): on top of
the archetypes, each ``DQ_*`` finding and ``AF_*`` signal of CONTRACT §7.5 is planted —
birth dates typed off the ID number, a second head, a child with labour, a wage of a few
hundred yuan, an income jump or outlier, one person in two households, measures that do
not answer the risk or were never delivered, a quick exit; one survey form cited by two
households, 22 eliminations by one worker one afternoon, one narrative pasted into seven
appraisals, a village whose warnings and applications nobody followed up. A county of
5,000 households shows every code.
"""

from collections import Counter

from demo.divisions import SHUANGJIANG, County, Village, villages
from demo.households import household, household_id
from demo.proportions import ARCHETYPES, BLOCK, MONITORED, STATUS, profile

ABOUT = {
    "registered": "registered and surveyed above the floor, never monitored",
    "should_enroll": "never monitored although below the floor (LB_SHOULD_ENROLL)",
    "unanswered_warning": "a department's warning nobody followed up (LB_TRIGGER_UNVERIFIED)",
    "monitored_complete": "identified with every step and material: no gap",
    "monitored_incomplete": "identified with steps missing (MISSING_…, LB_MISSING_PROCEDURE)",
    "exclusion_found": "identified despite an exclusion finding (EXCLUSION_FOUND, LB_WITHDRAW…)",
    "wrong_type": "a monitoring type its income contradicts (LB_TYPE_MISMATCH)",
    "eliminated_complete": "identified, assisted and risk eliminated by the book",
    "eliminated_incomplete": "risk eliminated with steps missing (LB_MISSING_PROCEDURE)",
    "eliminated_below_floor": "risk eliminated below the floor (LB_REMARK_INCOME_BELOW_FLOOR)",
    "eliminated_without_labor": "risk eliminated without labour or work (LB_ROLLBACK_NO_LABOR)",
    "eliminated_still_assisted": "risk eliminated while still assisted (LB_ROLLBACK_UNSTABLE)",
}
"""What a household of each archetype shows, in a line."""


def archetype(n: int, seed: int = 0) -> str:
    return profile(n, seed).archetype


def census(households: int, seed: int = 0) -> Counter[str]:
    """How many households of each archetype the first ``households`` hold."""
    return Counter(archetype(n, seed) for n in range(households))


__all__ = [
    "ABOUT",
    "ARCHETYPES",
    "BLOCK",
    "MONITORED",
    "SHUANGJIANG",
    "STATUS",
    "County",
    "Village",
    "archetype",
    "census",
    "household",
    "household_id",
    "villages",
]
