"""The status machine of CONTRACT §2: which marking moves a household from where to where."""

from ledger.domain.vocabulary import Marking, Status

_MONITORED_OR_ELIMINATED = frozenset({Status.MONITORED, Status.RISK_ELIMINATED})

ALLOWED_FROM: dict[Marking, frozenset[Status]] = {
    Marking.ENROLLED: frozenset({Status.NOT_MONITORED, Status.WITHDRAWN}),
    Marking.RISK_ELIMINATED: frozenset({Status.MONITORED}),
    Marking.RISK_REMARKED: frozenset({Status.RISK_ELIMINATED}),
    Marking.ELIMINATION_ROLLED_BACK: frozenset({Status.RISK_ELIMINATED}),
    Marking.WITHDRAWN: _MONITORED_OR_ELIMINATED,
    Marking.RISK_MARK_ROLLED_BACK: _MONITORED_OR_ELIMINATED,
    Marking.TYPE_ADJUSTED: _MONITORED_OR_ELIMINATED,
}

_TARGET: dict[Marking, Status | None] = {
    Marking.ENROLLED: Status.MONITORED,
    Marking.RISK_ELIMINATED: Status.RISK_ELIMINATED,
    Marking.RISK_REMARKED: Status.MONITORED,
    Marking.ELIMINATION_ROLLED_BACK: Status.MONITORED,
    Marking.WITHDRAWN: Status.WITHDRAWN,
    Marking.RISK_MARK_ROLLED_BACK: Status.NOT_MONITORED,
    Marking.TYPE_ADJUSTED: None,  # status unchanged, only the type changes
}

MARKINGS_WITH_TYPE = frozenset({Marking.ENROLLED, Marking.RISK_REMARKED, Marking.TYPE_ADJUSTED})
"""Markings that carry a ``monitoring_type`` (and only these may)."""


def is_allowed(marking: Marking, current: Status) -> bool:
    return current in ALLOWED_FROM[marking]


def next_status(marking: Marking, current: Status) -> Status:
    """The status after ``marking``; the caller has checked :func:`is_allowed`."""
    return _TARGET[marking] or current
