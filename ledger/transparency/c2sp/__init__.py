"""The C2SP transparency-log formats (c2sp.org): notes, checkpoints, cosignatures, proofs."""
