"""Benchmarks: run as modules, e.g. ``python -m bench.http_appends``."""
