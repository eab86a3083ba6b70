"""Benchmarks: each prints figures measured in one run, as ratios where there is a reference."""
