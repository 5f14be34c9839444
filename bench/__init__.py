"""Townhall benchmarks: `python -m bench` (see bench/README.md and docs/benchmarks.md).

Also a tiny Django app (label `bench`) that the benchmark's own settings module
(`bench.settings`) installs for the baseline table and the bench-only endpoints; the
production settings never load it.
"""
