"""The local simulation names the block its states are of, on the real state stage of a devnet
chain: the block the sampled audit's `eth_call` runs at, so the node is asked about the states
the trade was priced on.

The stage's kinds (one `BlockSync` per kind of pool) step through a head side by side, and the
execute stage reads them from another task: for a moment one kind has applied the new block
while another is still at the one before, and `PoolStateSync.head` (the lowest kind's) names
that older block. A V3↔V3 trade priced then was priced on the new block's V3 states; an audit
at the older block compared it with pools before the block's swaps (the intermittent
`audits_agree` failure of the mixed-cycle engine test). Here the window is held open on
purpose: the V3 kind steps through the new head, the other kinds do not.
"""

from __future__ import annotations

from typing import Any

import pytest
from _lender_helpers import swap_v3, v3_pool
from _route_quotes import route_profit

from omniarb.chains.rpc import RpcClient
from omniarb.execute.local_check import LocalSimulation, LocalSimulationError
from omniarb.state import PoolStateSync
from omniarb.types import Decision, FlashLoan, Hop, Opportunity, OpportunitySource, Route
from omniarb.wiring import pool_syncs

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
WETH = 10**18
AMOUNT_IN = 10 * WETH


def _hop(pool: Any, token_in: str, token_out: str) -> Hop:
    return Hop(
        pool=pool.address,
        dex=pool.dex,
        kind=pool.kind,
        token_in=token_in,
        token_out=token_out,
        zero_for_one=int(token_in, 16) < int(token_out, 16),
        fee_pips=pool.fee,
        tick_spacing=pool.tick_spacing,
    )


def _decision(chain_id: int, block: int, hops: tuple[Hop, ...]) -> Decision:
    opportunity = Opportunity(
        id="v3-v3",
        chain_id=chain_id,
        block_number=block,
        route=Route(chain_id=chain_id, hops=hops),
        amount_in=AMOUNT_IN,
        amount_out=AMOUNT_IN + 1,
        gross_profit=1,
        gas_estimate=300_000,
        gas_price_wei=10**9,
        gas_cost_wei=0,
        net_profit=1,
        net_profit_usd=0.0,
        source=OpportunitySource.BLOCK,
        detected_ns=1,
    )
    return Decision(
        opportunity=opportunity,
        approved=True,
        reasons=(),
        amount_in=AMOUNT_IN,
        min_profit=1,
        p_success=1.0,
        expected_value_usd=0.0,
        bribe_wei=0,
        flash_source=FlashLoan.AAVE_V3,
        decided_ns=2,
        flash_fee=0,
    )


async def test_the_prediction_names_the_block_of_its_states_while_another_kind_lags(
    devnet_factory: Any,
) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        weth, usdc = chain.token("WETH").address, chain.token("USDC").address
        cheap, dear = v3_pool(chain, {"WETH", "USDC"}, 500), v3_pool(chain, {"WETH", "USDC"}, 3000)
        async with RpcClient(chain.rpc_http) as rpc:
            sync = PoolStateSync(pool_syncs(chain, rpc))
            await sync.bootstrap()
            before = sync.head
            assert before is not None
            assert len(sync.stages) > 1  # the window needs a second kind
            (v3,) = [stage for stage in sync.stages if stage.book.kind == "uniswap-v3"]
            # The gap: WETH sold into the 0.05% pool, so it is cheap there and dear at 0.3%.
            await swap_v3(
                rpc, chain, token_in="WETH", token_out="USDC", fee=500, amount_in=1_500 * WETH
            )
            head = await v3.book.head("latest")
            assert head.number == before.number + 1
            # The V3 kind's step through the new head is done; the other kinds' is not yet.
            await v3.process(head)
            assert sync.head == before
            # WETH → USDC where WETH is dear, back where it is cheap: all V3 hops, one kind.
            hops = (_hop(dear, weth, usdc), _hop(cheap, usdc, weth))
            prediction = LocalSimulation(states=sync).check(_decision(chain.chain_id, 0, hops))
            assert (prediction.head_block, prediction.head_hash) == (head.number, head.hash)
            # Like with like: the contracts at that block pay what was predicted, to the wei;
            # at the lagging kind's block (before the gap) they pay another amount.
            quoted = [
                {"pool": h.pool, "dex": h.dex, "kind": h.kind, "token_in": s, "token_out": t}
                for h, s, t in ((hops[0], "WETH", "USDC"), (hops[1], "USDC", "WETH"))
            ]
            at_states = await route_profit(rpc, chain, quoted, AMOUNT_IN, prediction.head_block)
            assert prediction.profit == at_states > 0
            assert await route_profit(rpc, chain, quoted, AMOUNT_IN, before.number) != at_states
            # A route with a hop of a kind still at the older block was priced on states of two
            # blocks, which the chain never had at once: not sent.
            v2 = next(
                p
                for p in chain.pools
                if p.kind == "uniswap-v2" and {p.symbol0, p.symbol1} == {"WETH", "USDC"}
            )
            mixed = (_hop(dear, weth, usdc), _hop(v2, usdc, weth))
            with pytest.raises(LocalSimulationError, match="pool states are of blocks"):
                LocalSimulation(states=sync).check(_decision(chain.chain_id, 0, mixed))
