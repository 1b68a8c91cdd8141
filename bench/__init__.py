"""Benchmarks (``make bench``). Each ``bench_<name>.py`` exposes ``main(argv) -> dict`` and,
run as a script, prints its figures and writes them to ``bench/results/<name>.json``."""
