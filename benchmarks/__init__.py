"""Benchmarks: run as scripts (``python benchmarks/dedupe_engine.py --n 100000``)."""
