"""Query services: each read the API, the pages and the CLI serve, composed from the ledger, the read models and the transparency log."""
