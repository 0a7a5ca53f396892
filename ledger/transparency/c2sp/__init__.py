"""The C2SP formats of the transparency ecosystem (c2sp.org), as the ledger speaks them."""
