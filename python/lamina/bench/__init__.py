"""Benchmarks: lamina against numpy (OpenBLAS) and PyTorch, each in its own process.

Entry points: ``lamina bench`` (the CLI), ``python -m lamina.bench.run`` or ``python bench/run.py`` in a
checkout. The pieces:

- :mod:`lamina.bench.common`  timing (warm-up, adaptive repeats, median), throughput, rows, JSON
- :mod:`lamina.bench.backends` one adapter per library (lamina, numpy, torch): inputs, ops, sync
- :mod:`lamina.bench.suites`  the cases of each suite, written once for every backend
- :mod:`lamina.bench.peer`    worker: ``python -m lamina.bench.peer --peer numpy --suite matmul --json``
- :mod:`lamina.bench.run`     driver: one worker process per library, ratio table, JSON, optional plot
"""
