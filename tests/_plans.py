"""Plan values shared by the tests that build executor plans.

Every plan carries an on-chain deadline block (`RouteCodec.plan(deadline_block=...)`). Tests of
other properties (profit, refusals, callers) use `FAR_DEADLINE_BLOCK`, a mainnet-sized block
number far above any devnet head, so the deadline never decides their outcome; the deadline's
own behaviour is tested with deadlines at and behind the head
(tests/integration/execute/test_executor_properties.py, tests/unit/execute/test_route_codec.py).
"""

from __future__ import annotations

from omniarb.config import Settings

FAR_DEADLINE_BLOCK = 30_000_000


# Engine tests run the whole bot on devnets whose blocks come every 0.5-1 s, on a shared 2-core
# machine: a bot starved of CPU for a second or two would see its trades expire on chain, which
# tests of other behaviour must not hang on. 40 blocks: 20 s at 0.5 s a block. A test that sets
# `[execute] deadline_blocks` itself keeps its own.
ENGINE_TEST_DEADLINE_BLOCKS = 40


def roomy_deadline(settings: Settings) -> Settings:
    """`settings` with `ENGINE_TEST_DEADLINE_BLOCKS`, unless they set the allowance."""
    if "deadline_blocks" in settings.execute.model_fields_set:
        return settings
    execute = settings.execute.model_copy(update={"deadline_blocks": ENGINE_TEST_DEADLINE_BLOCKS})
    return settings.model_copy(update={"execute": execute})
