"""The `ledger` command: one module per command group."""
