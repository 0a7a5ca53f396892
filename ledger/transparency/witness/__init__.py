"""The audit office's witness (c2sp.org/tlog-witness, CONTRACT §7.4): it cosigns a log's
checkpoints only while each extends the last it cosigned. It needs none of the ledger's
database: a key file and a state file."""

from ledger.transparency.witness.decision import Answer, LogKeyRefused, decide, trust_log
from ledger.transparency.witness.service import Witness, add_log, cosigner, witness_key
from ledger.transparency.witness.state import StateFile, StateFileError, WitnessState

__all__ = [
    "Answer",
    "LogKeyRefused",
    "StateFile",
    "StateFileError",
    "Witness",
    "WitnessState",
    "add_log",
    "cosigner",
    "decide",
    "trust_log",
    "witness_key",
]
