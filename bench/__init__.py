"""Benchmarks against the local Bot API stand-in; see bench/README.md."""
