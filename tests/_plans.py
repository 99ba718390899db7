"""Plan values shared by the tests that build executor plans.

Every plan carries an on-chain deadline block (`RouteCodec.plan(deadline_block=...)`). Tests of
other properties (profit, refusals, callers) use `FAR_DEADLINE_BLOCK`, a mainnet-sized block
number far above any devnet head, so the deadline never decides their outcome; the deadline's
own behaviour is tested with deadlines at and behind the head
(tests/integration/execute/test_executor_properties.py, tests/unit/execute/test_route_codec.py).
"""

from __future__ import annotations

FAR_DEADLINE_BLOCK = 30_000_000
