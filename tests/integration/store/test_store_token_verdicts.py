"""What past trades said of their tokens, read back from the history on SQLite and PostgreSQL:
a trade that realized its prediction proves its tokens, one that reverted or realized another
profit unexplained flags them, and one that did not run or was explained (another transaction
moved its pools first) says nothing."""

from __future__ import annotations

from dataclasses import replace

from _store_values import DAI, USDC, WETH, decision, execution, opportunity, outcome

from omniarb.store import HistoryStore
from omniarb.types import Outcome


def _trade(n: int, chain_id: int, *, hops: int = 2, **kwargs: object) -> Outcome:
    exe = execution(decision(opportunity(n, chain_id=chain_id, hops=hops)))
    return outcome(exe, **kwargs)  # type: ignore[arg-type]


async def test_past_trades_prove_and_flag_their_tokens(db_url: str) -> None:
    lower = {WETH.lower(), USDC.lower()}
    trades = [
        _trade(1, 1),  # realized == predicted: proves WETH and USDC
        _trade(2, 10),
        _trade(3, 10, realized_profit=1, touched=True),  # explained by the block: nothing
        _trade(4, 137, hops=3, success=False),  # reverted: flags WETH, USDC and DAI
        _trade(5, 137, included=False),  # dropped: did not run
        _trade(6, 56, realized_profit=1),  # another profit, unexplained: flags
        _trade(8, 42161, success=False, touched=True),  # reverted, explained: nothing
    ]
    cancelled = replace(_trade(7, 250, success=False), cancelled=True)
    async with HistoryStore.open(db_url) as store:
        for settled in [*trades, cancelled]:
            await store.record(settled.execution.decision.opportunity)
            await store.record(settled.execution.decision)
            await store.record(settled.execution)
            await store.record(settled)
        await store.flush()
        verdicts = {c: store.token_verdicts(chain_id=c) for c in (1, 10, 137, 56, 250, 42161, 8453)}
    assert verdicts[1].proven == lower
    assert verdicts[1].flagged == frozenset()
    assert verdicts[10].proven == lower
    assert verdicts[10].flagged == frozenset()
    assert verdicts[137].proven == frozenset()
    assert verdicts[137].flagged == lower | {DAI.lower()}
    assert verdicts[56].flagged == lower
    assert verdicts[56].proven == frozenset()
    assert verdicts[250].proven == verdicts[250].flagged == frozenset()
    assert verdicts[42161].proven == verdicts[42161].flagged == frozenset()
    assert verdicts[8453].proven == verdicts[8453].flagged == frozenset()
