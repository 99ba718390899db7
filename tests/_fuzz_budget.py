"""The fuzzers' fixed budget: the same examples on every run (`derandomize`), no per-example
deadline (CI machines are slow and shared), and no example database, so `make test` is
reproducible and takes the same time everywhere.

    @FUZZ
    @given(...)
    def test_...

Lives at the root of tests/ (on sys.path through tests/conftest.py).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

__all__ = ["FUZZ", "FUZZ_EXAMPLES"]

# Per fuzzer: enough to walk every branch of a decoder with mutated inputs, few enough that a
# fuzzer takes seconds.
FUZZ_EXAMPLES = 300

FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
