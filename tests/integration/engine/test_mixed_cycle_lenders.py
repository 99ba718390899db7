"""The bot trades planted V2↔V3 and V3↔V3 gaps with every flash source, each time the
cheapest lender that can lend, and every trade's realized profit equals its prediction.

The Uniswap V4 PoolManager lends every token its pools hold for no fee and the least gas, so
it is chosen whenever it holds the start token: the cases after another lender first empty the
manager of WETH and USDC (its pools of those tokens then cannot pay them out either, and the
pre-check drops trades through them).

Each case runs on a fresh devnet chain (no market activity) with the bot running. What the
lenders can lend is set first, by emptying some of them of a token or putting WETH into the
Vault, which the devnet funds with stablecoins only (`_lender_helpers`; it also holds its
Balancer pools' balances, WETH among them); then a whale swap plants the gap:
- v3-v3: WETH cheap in the WETH/USDC 0.05% V3 pool and dear in the 0.3% one (all-V3 cycles);
- btc-dear-on-v2: WBTC bought out of a V2 pair, so cycles buy WBTC on V3 first and sell it
  there (V2↔V3 cycles that open with a V3 pool: they need a lender outside the route);
- flavour-cheap-on-v3: the token paired only with USDC sold into its V3 pool, so cycles from
  USDC buy it there first (V2↔V3 cycles that open with a V3 pool, from a token the Vault
  holds);
- btc-cheap-on-v2: WBTC sold into a V2 pair, bought there first (the pair lends for free);
- weth-cheap-on-v4: WETH sold into the Uniswap V4 WETH/USDC pool (PoolSwapTest), so cycles
  buy it there: V4↔V2 and V4↔V3 cycles that open with the V4 swap (it lends its input inside
  `unlock`, for free) or with a V2 pair.
Before the bot starts, every pool is swapped a little each way (`_season`), as pools on a live
chain have been: the best cycles run through pools no gap touches (with V4's pools, through
more of them), and a pool's first swap in a direction writes storage slots from zero (a V2
pair's price accumulators, a pool's fee growth), which the gas model, measured on pools that
had traded, leaves out (as the conformance suite's execution test does).
The case names the cycle class and lender that must be among the bot's trades. Every trade is
also checked on its own: realized = predicted to the wei, untouched, and its lender's cost (fee
+ extra gas at the trade's gas price, in the start token) no higher than that of any other
lender holding enough at the block before it landed — recomputed here from the contracts' fee
rules and the lenders' balances on chain, not taken from the bot.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from _bot_helpers import LOCAL_ONLY, RunningBot, audits_agree, bot_on, swap_v2, trade_gas_estimates
from _lender_helpers import (
    balance_of,
    empty,
    fill_wrapped_native,
    swap_v3,
    swap_v3_tx,
    v3_pool,
)
from _receipts import mined_receipt
from _route_quotes import BALANCER_KINDS, route_profit
from _v4_trades import v4_trade

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.kinds import devnet_kind
from omniarb.dex.registry import ADAPTERS
from omniarb.network import ChainManifest
from omniarb.track.stats import TradeSummary
from omniarb.wiring import EXECUTOR_GAS

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
BLOCK_S = 0.5
WETH = 10**18
PIPS = 1_000_000
OWN_PAIR = "uniswap-v2-flash-swap"
# Pools with v3-core's swap and flash: the cycle classes count them as V3.
V3_FAMILY = frozenset({"uniswap-v3", "pancakeswap-v3"})


async def _settled(bot: RunningBot, rpc: RpcClient, before: int) -> None:
    """Wait for at least one new settled trade, then until the bot is done with the gap: no
    trade in flight, and every block up to the chain's head (so the blocks its trades landed
    in, whose states may still hold what is left of the gap) decided without sending another.
    Then its history is written, for the test to read."""
    await bot.wait_for(lambda s: s[0].succeeded + s[0].reverted > before, timeout_s=60)
    await _quiet(bot, rpc)
    await bot.store.flush()


async def _quiet(bot: RunningBot, rpc: RpcClient) -> None:
    """Until no trade is in flight and every block up to the chain's head was decided without
    sending another (the pools and lenders trades in flight hold are free again)."""
    while True:
        await bot.wait_for(lambda s: s[0].submitted == s[0].succeeded + s[0].reverted, 60)
        submitted = bot.stats[0].submitted
        head = int(await rpc.call("eth_blockNumber"), 16)
        await _decided_past(bot, head)
        stats = bot.stats[0]
        if stats.submitted == submitted == stats.succeeded + stats.reverted:
            break


async def _decided_past(bot: RunningBot, block: int) -> None:
    """Until the bot has finished deciding every update up to `block`. The engine counts an
    update's block when it starts deciding it, and queued updates are merged, so one counted
    past `block` may still be under way; one counted after that one proves it done."""
    await bot.wait_for(lambda s: s[0].block_number > block, timeout_s=60)
    started = bot.stats[0].block_number
    await bot.wait_for(lambda s: s[0].block_number > started, timeout_s=60)


def _kinds(trade: TradeSummary) -> tuple[str, ...]:
    return tuple(hop["kind"] for hop in trade.route)


async def _plant(bot: RunningBot, rpc: RpcClient, chain: ChainManifest, gap: str) -> list[Any]:
    """Plant `gap`, wait for the bot to trade it out; the trades it made."""
    before = len(bot.stats[0].trades)
    settled = bot.stats[0].succeeded + bot.stats[0].reverted
    btc = chain.tokens[4].symbol
    if gap == "v3-v3":
        # WETH cheap in the 0.05% pool and dear in the 0.3% pool: the V3 ↔ V3 cycle earns
        # both moves, more than any cycle with a V2 pair in it. Both swaps in one block, so
        # no trade of the first move's gap lands beside the second.
        usdc = 10 ** chain.token("USDC").decimals
        txs = [
            swap_v3_tx(chain, token_in="WETH", token_out="USDC", fee=500, amount_in=1_500 * WETH),
            swap_v3_tx(
                chain, token_in="USDC", token_out="WETH", fee=3000, amount_in=1_500_000 * usdc
            ),
        ]
        nonce = int(await rpc.call("eth_getTransactionCount", txs[0]["from"], "pending"), 16)
        sent = [
            await rpc.call("eth_sendTransaction", {**tx, "nonce": hex(nonce + i)})
            for i, tx in enumerate(txs)
        ]
        receipts = [await mined_receipt(rpc, tx_hash) for tx_hash in sent]
        assert receipts[0]["blockNumber"] == receipts[1]["blockNumber"]
    elif gap == "btc-dear-on-v2":
        # WBTC bought out of one V2 pair: the cycles sell WBTC there, bought on V3 first.
        await swap_v2(rpc, chain, dex="uniswap-v2", path=["WETH", btc], amount_in=300 * WETH)
    elif gap == "flavour-cheap-on-v3":
        # The USDC-only token (UNI on Ethereum: no WETH pool, so no triangle) sold into its
        # 1% V3 pool: the cycles start in USDC, which the Vault holds, and buy it there first.
        token = chain.tokens[6]
        await swap_v3(
            rpc,
            chain,
            token_in=token.symbol,
            token_out="USDC",
            fee=10000,
            amount_in=20_000 * 10**token.decimals,
        )
    elif gap == "weth-cheap-on-v4":
        pool = next(
            p
            for p in chain.pools
            if p.kind == "uniswap-v4" and {p.symbol0, p.symbol1} == {"WETH", "USDC"}
        )
        await v4_trade(rpc, chain, pool, chain.token("WETH").address, 600 * WETH)
    else:  # btc-cheap-on-v2: WBTC sold into one V2 pair, the cycles buy it there first
        unit = 10 ** chain.token(btc).decimals
        await swap_v2(rpc, chain, dex="uniswap-v2", path=[btc, "WETH"], amount_in=20 * unit)
    await _settled(bot, rpc, settled)
    return bot.stats[0].trades[before:]


def _opportunity_rows(db: Path) -> dict[str, tuple[int, int, int]]:
    """Per transaction: the opportunity's gross and net profit and gas estimate."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT e.tx_hash, o.predicted_profit, o.net_profit, o.gas_estimate "
            "FROM executions e JOIN opportunities o ON o.id = e.opportunity_id "
            "WHERE e.tx_hash IS NOT NULL"
        ).fetchall()
    return {tx: (int(gross), int(net), int(gas)) for tx, gross, net, gas in rows}


def _fee(kind: str, fee_pips: int, amount: int) -> int:
    """The lenders' fee rules (the contracts'), written out again on purpose."""
    if kind == "aave-v3":
        return (amount * (fee_pips // 100) + 5_000) // 10_000  # PercentageMath.percentMul
    if kind == "uniswap-v2-pair-loan":
        return -(-amount * PIPS // (PIPS - fee_pips)) - amount  # the pair's K check
    return -(-amount * fee_pips // PIPS)  # V3 flash (mulDivRoundingUp), Balancer (mulUp)


async def _lender_costs(
    rpc: RpcClient, chain: ChainManifest, trade: TradeSummary, rates: tuple[int, int, int]
) -> dict[str, int]:
    """Every lender outside the route that held enough of the start token at the block before
    the trade landed, by name, with its cost: fee + extra gas in the start token."""
    gross, net, gas_estimate = rates
    token = trade.profit_token_address
    amount = trade.amount_in
    block = hex(trade.block_number - 1) if trade.block_number else "latest"
    route_pools = {hop["pool"].lower() for hop in trade.route}

    def gas_cost(extra_gas: int) -> int:
        return -(-(gross - net) * extra_gas // gas_estimate)

    candidates: list[tuple[str, str, int, int, bool]] = []  # name, holder, fee pips, gas, strict
    vault, aave = chain.lender("balancer-v2"), chain.lender("aave-v3")
    # The V4 PoolManager lends whatever it holds, for no fee.
    manager = chain.dex("uniswap-v4").factory
    candidates.append(("uniswap-v4-flash", manager, 0, EXECUTOR_GAS.v4_flash_loan_gas, False))
    # The Vault lends whatever it holds, funded or not, but not to a route through one of its
    # pools (it is locked while it swaps: BAL#400); Aave only the reserves it lists.
    if not {hop["kind"] for hop in trade.route} & BALANCER_KINDS:
        candidates.append((vault.kind, vault.address, 0, EXECUTOR_GAS.balancer_loan_gas, False))
    candidates += [
        (aave.kind, asset.holder, aave.fee_pips, EXECUTOR_GAS.aave_loan_gas, False)
        for asset in aave.assets
        if asset.address == token
    ]
    for pool in chain.pools:
        if token not in (pool.token0, pool.token1) or pool.address.lower() in route_pools:
            continue
        if pool.kind in V3_FAMILY:  # PancakeSwap V3 pools lend by `flash` like V3's
            candidates.append(
                (
                    f"uniswap-v3-flash:{pool.address}",
                    pool.address,
                    pool.fee,
                    EXECUTOR_GAS.v3_flash_loan_gas,
                    False,
                )
            )
        else:
            candidates.append(
                (
                    f"uniswap-v2-pair-loan:{pool.address}",
                    pool.address,
                    pool.fee,
                    EXECUTOR_GAS.v2_pair_loan_gas,
                    True,
                )
            )
    costs = {}
    for name, holder, fee_pips, extra, strict in candidates:
        held = await balance_of(rpc, token, holder, block)
        if held > amount or (held == amount and not strict):
            kind = name.split(":")[0]
            costs[name] = _fee(kind, fee_pips, amount) + gas_cost(extra)
    return costs


def _fee_rule(trade: TradeSummary) -> tuple[str, int]:
    """The trade's lender kind and fee in pips, told apart by the fee it paid."""
    kind = trade.flash_source
    tiers = {"aave-v3": (500,), "uniswap-v2-pair-loan": (3000,)}.get(kind, (100, 500, 3000, 10000))
    (fee_pips,) = [p for p in tiers if _fee(kind, p, trade.amount_in) == trade.flash_fee_wei]
    return kind, fee_pips


async def _check_sized_for_the_fee(
    rpc: RpcClient, chain: ChainManifest, trade: TradeSummary
) -> None:
    """A lender that charges was paid: the trade keeps route profit − fee, computed here from
    the contracts at the block before it landed, and 0.1% more or less input keeps less (the
    size is the optimum net of the fee, not the route's gross optimum)."""
    assert trade.block_number is not None
    kind, fee_pips = _fee_rule(trade)
    route, before = list(trade.route), trade.block_number - 1

    async def kept(amount: int) -> int:
        return await route_profit(rpc, chain, route, amount, before) - _fee(kind, fee_pips, amount)

    assert await kept(trade.amount_in) == trade.predicted_profit_wei
    for per_mille in (999, 1001):
        assert await kept(trade.amount_in * per_mille // 1000) < trade.predicted_profit_wei, (
            per_mille,
            kind,
            fee_pips,
            trade.amount_in,
            [(h["kind"], h["token_in"]) for h in route],
        )


def _cycle_class(trade: TradeSummary) -> str:
    kinds = {"uniswap-v3" if kind in V3_FAMILY else kind for kind in _kinds(trade)}
    if "uniswap-v4" in kinds:
        return "with V4"
    if kinds & BALANCER_KINDS:
        return "with Balancer"
    return (
        "V2↔V3"
        if kinds == {"uniswap-v2", "uniswap-v3"}
        else "V3↔V3"
        if kinds == {"uniswap-v3"}
        else "V2↔V2"
    )


# What each case changes before planting. The devnet's Vault lends stablecoins and its weighted
# pools' WETH, so WETH loans come from V3-family pools or Aave once a case empties the Vault of
# WETH (its pools of WETH then cannot pay it out, and the pre-check drops trades through them);
# "pool:<symbols>:<fee>" names a Uniswap V3 pool emptied of a token, "pancake:<symbols>:<fee>"
# a PancakeSwap V3 one.
# The V4 PoolManager's WETH and USDC lent out, so that other lenders are the cheapest.
_NO_V4 = [("empty", "v4", "WETH"), ("empty", "v4", "USDC")]
_FILL_VAULT = [*_NO_V4, ("fill", "vault", "WETH")]
_NO_VAULT_WETH = [*_NO_V4, ("empty", "vault", "WETH")]
_VAULT_USDC = [*_NO_VAULT_WETH, ("empty", "vault", "USDC")]
_CHEAP_OUTSIDE = [
    ("empty", "pool:WETH,USDT:500", "WETH"),
    ("empty", "pool:USDC,USDT:500", "USDC"),
    ("empty", "pancake:WETH,USDT:500", "WETH"),
    ("empty", "pancake:USDC,USDT:100", "USDC"),
]
_CHEAP_WETH = [
    ("empty", "pool:WETH,USDT:500", "WETH"),
    ("empty", "pool:WETH,USDC:500", "WETH"),
    ("empty", "pancake:WETH,USDT:500", "WETH"),
]
# Every V3-family pool holding WETH at a fee below a V2 pair's 0.3% or equal to it.
_ANY_WETH_USDC = [
    *_CHEAP_WETH,
    ("empty", "pool:WETH,USDC:3000", "WETH"),
    ("empty", "pancake:WETH,USDC:2500", "WETH"),
    ("empty", "pancake:WETH,WBTC:2500", "WETH"),
    ("empty", "pancake:WETH,LINK:2500", "WETH"),
]
CASES = {
    # case: (set-up, gap, the cycle class and lender expected among the bot's trades)
    "v3-v3 from the Balancer Vault": (_FILL_VAULT, "v3-v3", ("V3↔V3", "balancer-v2")),
    "v2-v3 from the Balancer Vault": (_NO_V4, "flavour-cheap-on-v3", ("V2↔V3", "balancer-v2")),
    "v2-v3 from its own V2 pair": ([], "btc-cheap-on-v2", ("V2↔V3", OWN_PAIR)),
    "v4 cycles from their own opening pool": ([], "weth-cheap-on-v4", ("with V4", OWN_PAIR)),
    "v3-v3 from the V4 PoolManager": ([], "v3-v3", ("V3↔V3", "uniswap-v4-flash")),
    "v3-v3 from a V3 pool": (_NO_VAULT_WETH, "v3-v3", ("V3↔V3", "uniswap-v3-flash")),
    "v2-v3 from a V3 pool": (_VAULT_USDC, "btc-dear-on-v2", ("V2↔V3", "uniswap-v3-flash")),
    "v3-v3 from Aave": (_VAULT_USDC + _CHEAP_OUTSIDE, "v3-v3", ("V3↔V3", "aave-v3")),
    "v2-v3 from Aave": (_VAULT_USDC + _CHEAP_WETH, "btc-dear-on-v2", ("V2↔V3", "aave-v3")),
    "v2-v3 from a V2 pair outside": (
        [*_VAULT_USDC, *_ANY_WETH_USDC, ("empty", "aave", "WETH")],
        "btc-dear-on-v2",
        ("V2↔V3", "uniswap-v2-pair-loan"),
    ),
}
# What "fill" adds: more WETH than any trade here borrows.
_VAULT_FILL_WETH = 20_000 * WETH


async def _season(rpc: RpcClient, chain: ChainManifest) -> None:
    """Every pool swapped a tenth of a token each way through its DEX's router (each
    kind's devnet swap), sent at once and all mined before the gap is planted."""
    trader = chain.traders[0]
    nonce = int(await rpc.call("eth_getTransactionCount", trader, "pending"), 16)
    sent = []
    for pool in chain.pools:
        kind = devnet_kind(pool.kind)
        for token_in, token_out in ((pool.token0, pool.token1), (pool.token1, pool.token0)):
            native = int(token_in, 16) == 0  # a V4 pool's native coin: paid with value
            decimals = 18 if native else chain.token_by_address(token_in).decimals
            amount = 10 ** (decimals - 1)
            data = kind.swap_calldata(pool, token_in, token_out, amount, trader)
            tx = {
                "from": trader,
                "to": chain.dex(pool.dex).router,
                "data": data,
                "gas": hex(1_000_000),
                "nonce": hex(nonce + len(sent)),
                "value": hex(amount if native else 0),
            }
            sent.append(await rpc.call("eth_sendTransaction", tx))
    for tx_hash in sent:
        await mined_receipt(rpc, tx_hash)


def _holder(chain: ChainManifest, lender: str, symbol: str) -> str:
    if lender == "vault":
        return chain.lender("balancer-v2").address
    if lender == "v4":
        return chain.dex("uniswap-v4").factory
    if lender == "aave":
        return chain.lender("aave-v3").asset(symbol).holder
    dex, symbols, fee = lender.split(":")
    if dex == "pancake":
        return next(
            p.address
            for p in chain.pools
            if p.kind == "pancakeswap-v3"
            and {p.symbol0, p.symbol1} == set(symbols.split(","))
            and p.fee == int(fee)
        )
    return v3_pool(chain, set(symbols.split(",")), int(fee)).address


@pytest.mark.parametrize("case", list(CASES))
async def test_a_planted_gap_is_traded_with_the_cheapest_lender(
    devnet_factory, tmp_path: Path, case: str
) -> None:
    setup, gap, expected = CASES[case]
    db = tmp_path / "h.sqlite"
    async with devnet_factory({CHAIN: BLOCK_S}) as net:
        chain = net.manifest.chain(CHAIN)
        # Before the bot runs: it would trade what the seasoning swaps leave, in their blocks.
        async with RpcClient(chain.rpc_http) as rpc:
            await _season(rpc, chain)
        async with RpcClient(chain.rpc_http) as rpc, bot_on(net, db, LOCAL_ONLY) as bot:
            # What the seasoning left (its two swaps through a pool differ in value) the bot
            # trades at its first blocks: those trades settle first, or one in flight would
            # hold a pool or lender the gap's best trade needs when the gap lands beside it.
            await _quiet(bot, rpc)
            trades = list(bot.stats[0].trades)
            for action, lender, symbol in setup:
                holder = _holder(chain, lender, symbol)
                if action == "fill":
                    await fill_wrapped_native(rpc, chain, holder, _VAULT_FILL_WETH)
                else:
                    await empty(rpc, chain.token(symbol).address, holder)
            trades += await _plant(bot, rpc, chain, gap)
            rates = _opportunity_rows(db)
            estimates = trade_gas_estimates(db)
            for trade in trades:
                assert trade.status == "success", trade
                assert not trade.touched_earlier_in_block, trade
                assert trade.realized_profit_wei == trade.predicted_profit_wei > 0, trade
                # The gas model never understates a trade's gas (its net profit is not
                # overstated), whatever the route's hops and the lender.
                assert trade.gas_used <= estimates[trade.tx_hash], (
                    trade.flash_source,
                    [(h["kind"], h["token_in"]) for h in trade.route],
                    trade.gas_used,
                    estimates[trade.tx_hash],
                )
                if trade.flash_source == OWN_PAIR:
                    # Free and no extra gas: nothing can be cheaper. The opening pool lends
                    # by its swap: a V2 pair's flash swap, or a V4 swap inside `unlock`.
                    assert ADAPTERS[trade.route[0]["kind"]].flash_swap_hop
                    assert trade.flash_fee_wei == 0
                    continue
                if trade.flash_source == "inventory":
                    # The executor's own balance (profits of the bot's earlier trades, when one
                    # ran before the gap) covered the amount: no fee, no loan's gas, nothing
                    # cheaper (a busy machine lets the seasoning's trades pile up more of it).
                    assert trade.flash_fee_wei == 0
                    continue
                costs = await _lender_costs(rpc, chain, trade, rates[trade.tx_hash])
                chosen = [c for name, c in costs.items() if name.startswith(trade.flash_source)]
                assert chosen, (trade.flash_source, costs)
                assert min(chosen) == min(costs.values()), (trade.flash_source, costs)
                if trade.flash_fee_wei:
                    await _check_sized_for_the_fee(rpc, chain, trade)
            # The lenders' balances the allocator chose from were memory, kept from the token
            # logs through the flash loans, trades and lender changes above: they equal the
            # chain's, and no balance was read from the node for a trade.
            pipeline = bot.engine[0].pipelines[0]
            lenders = pipeline.sync.lenders
            assert lenders is not None
            assert lenders.head is not None
            # A snapshot with its block, taken at once (the bot goes on following blocks).
            at = {"blockHash": lenders.head.hash}
            kept = {pair: lenders.balance(*pair) for pair in lenders.pairs}
            for (token, holder), balance in kept.items():
                assert balance == await balance_of(rpc, token, holder, at), (token, holder)
            assert pipeline.allocate.balance_reads == 0
            assert lenders.counters.drifted == lenders.counters.resyncs == 0
            await audits_agree(bot)
    made = [(_cycle_class(t), t.flash_source) for t in trades]
    assert expected in made, made
