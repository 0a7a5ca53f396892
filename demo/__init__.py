"""A synthetic county for demonstrations and benchmarks (not part of the service)."""
