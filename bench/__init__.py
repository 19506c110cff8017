"""Benchmarks that `make bench` runs; each prints a table and writes JSON."""
