"""Adapters between the ledger and its databases: the only modules that touch a driver."""
