"""Benchmarks of the policy-match core and the simulator.

``generate`` builds seeded synthetic clusters, ``naive`` is the evaluate-every-
policy-per-packet baseline, ``measure`` holds the timing primitives, ``sweep``
runs the scaling sweep with same-run baselines and the issue's targets, and
``report`` prints and writes it (table, JSON, CSV, PNG). ``netsim bench`` and
the pytest-benchmark suites in ``benchmarks/`` are thin layers over these.
"""
