"""Planted gaps between pools of two kinds are traded by the running bot through exactly those
two kinds, once, and each trade realizes what it predicted, to the wei, sent on the local
simulation alone (no `eth_call` pre-check; the node's audit after each send agrees).

Each case moves one pair's price in opposite directions in one pool of each kind, in one block
(mining paused): the token gets cheap in the first pool and dear in the second, so the two-hop
cycle between them earns both moves, more than any cycle through a third pool. The bot runs on
a fresh devnet chain with no market activity. Every trade's route profit at the block before it
landed is recomputed from the pools' own quoters and routers (`_route_quotes`), not the bot.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _bot_helpers import LOCAL_ONLY, RunningBot, audits_agree, bot_on, trade_gas_estimates
from _receipts import mined_receipt
from _route_quotes import BALANCER_KINDS, route_profit

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.kinds import devnet_kind
from omniarb.network import ChainManifest, PoolEntry
from omniarb.track import ChainBotStats
from omniarb.track.stats import TradeSummary
from omniarb.types import FlashLoan

pytestmark = pytest.mark.integration

_SWAP_GAS = 1_000_000
# Blocks once the gap is planted: fast enough for the bot's trade and its settling.
_BLOCK_S = 1
# The share of the pool's balance of the token sold into each pool (1/12: a gap of a few %).
_SHARE = 12

# case: (chain, the traded pair's symbols, the pool the token gets cheap in, the one it gets
# dear in, as (kind, dex)), the token moved first in the pair.
CASES = {
    "algebra-v2": (
        "polygon",
        ("WPOL", "USDC"),
        ("algebra-integral", None),
        ("uniswap-v2", "quickswap"),
    ),
    "v4-v2": ("ethereum", ("WETH", "USDC"), ("uniswap-v4", None), ("uniswap-v2", "uniswap-v2")),
    # A pair of Balancer's pool of three stablecoins against a V3 pool of the same two.
    "stable-v3": (
        "ethereum",
        ("USDT", "USDC"),
        ("balancer-stable", None),
        ("uniswap-v3", "uniswap-v3"),
    ),
    "v3-weighted": (
        "ethereum",
        ("WETH", "USDC"),
        ("uniswap-v3", "uniswap-v3"),
        ("balancer-weighted", None),
    ),
}


def _pool(chain: ChainManifest, symbols: tuple[str, str], kind: str, dex: str | None) -> PoolEntry:
    """The pool of `kind` (on `dex`, if named) holding exactly `symbols`, the fee tier lowest."""
    found = [
        p
        for p in chain.pools
        if p.kind == kind
        and {p.symbol0, p.symbol1} == set(symbols)
        and (dex is None or p.dex == dex)
    ]
    assert found, (kind, dex, symbols)
    return min(found, key=lambda p: p.fee)


async def _held(rpc: RpcClient, chain: ChainManifest, pool: PoolEntry, token: str) -> int:
    """What `pool` holds of `token`, as the market reads it: its balance (a Balancer pool's in
    the Vault)."""
    kind = devnet_kind(pool.kind)
    answers = await rpc.batch(kind.state_reads(pool, chain.dex(pool.dex)))
    reserves = kind.reserves(pool, answers)
    return reserves.balance0 if token.lower() == pool.token0.lower() else reserves.balance1


def _swap(
    chain: ChainManifest, pool: PoolEntry, token_in: str, amount_in: int, trader: int
) -> dict[str, str]:
    """A trader's exact-input swap through `pool`'s DEX router, as the market sends it."""
    sender = chain.traders[trader]
    token_out = pool.token1 if token_in == pool.token0 else pool.token0
    data = devnet_kind(pool.kind).swap_calldata(pool, token_in, token_out, amount_in, sender)
    return {"from": sender, "to": chain.dex(pool.dex).router, "data": data, "gas": hex(_SWAP_GAS)}


async def _plant(rpc: RpcClient, chain: ChainManifest, case: str) -> tuple[PoolEntry, PoolEntry]:
    """Make the pair's first token cheap in one pool and dear in the other, in one block."""
    _, symbols, (cheap_kind, cheap_dex), (dear_kind, dear_dex) = CASES[case]
    cheap = _pool(chain, symbols, cheap_kind, cheap_dex)
    dear = _pool(chain, symbols, dear_kind, dear_dex)
    token, quote = (chain.token(s).address for s in symbols)
    # A V4 pool holds no tokens of its own: its depth is the manager's (shared); the other
    # pool's balance sizes both moves then.
    sized_by = dear if cheap.kind == "uniswap-v4" else cheap
    sells = await _held(rpc, chain, sized_by, token) // _SHARE
    buys = await _held(rpc, chain, dear, quote) // _SHARE
    await rpc.call("evm_setIntervalMining", 0)
    await rpc.call("evm_setAutomine", False)
    try:
        sent = [
            await rpc.call("eth_sendTransaction", _swap(chain, cheap, token, sells, 0)),
            await rpc.call("eth_sendTransaction", _swap(chain, dear, quote, buys, 1)),
        ]
        await rpc.call("evm_mine")
    finally:  # blocks again, now that the gap is in one
        await rpc.call("evm_setIntervalMining", _BLOCK_S)
    receipts = [await mined_receipt(rpc, tx_hash) for tx_hash in sent]
    assert [int(r["status"], 16) for r in receipts] == [1, 1]
    assert receipts[0]["blockNumber"] == receipts[1]["blockNumber"]
    return cheap, dear


def _pools(trade: TradeSummary) -> set[str]:
    return {hop["pool"].lower() for hop in trade.route}


async def _traded(bot: RunningBot, pools: set[str]) -> None:
    """Until a trade through exactly `pools` settled and nothing else is in flight."""

    def done(stats: list[ChainBotStats]) -> bool:
        return any(_pools(t) == pools for t in stats[0].trades)

    await bot.wait_for(done, timeout_s=60)
    await bot.wait_for(lambda s: s[0].submitted == s[0].succeeded + s[0].reverted, 60)


@pytest.mark.parametrize("case", sorted(CASES))
async def test_bot_trades_a_gap_between_two_kinds(
    devnet_factory, tmp_path: Path, case: str
) -> None:
    name = CASES[case][0]
    async with devnet_factory({name: 0.5}) as net:
        chain = net.manifest.chain(name)
        db = tmp_path / "h.sqlite"
        async with RpcClient(chain.rpc_http) as rpc, bot_on(net, db, LOCAL_ONLY) as bot:
            cheap, dear = await _plant(rpc, chain, case)
            planted = {cheap.address.lower(), dear.address.lower()}
            await _traded(bot, planted)
            trades = bot.stats[0].trades
            await bot.store.flush()
            estimates = trade_gas_estimates(db)
            assert all(t.status == "success" for t in trades), [t.status for t in trades]
            for trade in trades:
                assert trade.realized_profit_wei == trade.predicted_profit_wei > 0
                assert not trade.touched_earlier_in_block
                # The gas model's estimate covered the trade (its net profit was not overstated).
                assert trade.gas_used <= estimates[trade.tx_hash], trade
                # The Vault is locked while it swaps: a route through its pools borrows elsewhere.
                if {hop["kind"] for hop in trade.route} & BALANCER_KINDS:
                    assert trade.flash_source != FlashLoan.BALANCER_V2, trade
            # Traded once: the trade sized to the optimum leaves no gap between the two.
            (through_both,) = [t for t in trades if _pools(t) == planted]
            assert {hop["kind"] for hop in through_both.route} == {cheap.kind, dear.kind}
            assert through_both.block_number is not None
            gross = await route_profit(
                rpc,
                chain,
                list(through_both.route),
                through_both.amount_in,
                through_both.block_number - 1,
            )
            assert gross - through_both.flash_fee_wei == through_both.predicted_profit_wei
            await audits_agree(bot)
