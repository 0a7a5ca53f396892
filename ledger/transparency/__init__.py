"""Tamper evidence: the Merkle log over every event, signed checkpoints, proofs, trace
archives and their offline verification (CONTRACT §4)."""
