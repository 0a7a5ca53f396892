"""Look-back candidates (监测对象"回头看", CONTRACT §3): households to check again, and the
action each finding suggests."""

from ledger.domain.lookback.candidates import (
    Candidate,
    CandidateWindow,
    candidate_windows,
    candidates,
)

__all__ = ["Candidate", "CandidateWindow", "candidate_windows", "candidates"]
