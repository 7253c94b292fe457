"""Benchmarks against a real CRIU: ``python -m integration.bench [NAME ...]`` (``make bench``).

Each ``bench_<name>.py`` module here has a ``run() -> None`` that measures and
prints its own table; ``__main__`` runs them all in name order, or those named.
"""
