"""The detector on an L2: each opportunity carries the L1 data fee of its route's transaction
from the chain's current quote (the tip too), subtracted in the start token; with no L1 price
the same gap nets more by exactly that fee, and the shortfall names it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from omniarb.chains.fee_models import FeeQuote, OpL1Prices, route_tx_bytes
from omniarb.chains.spec import FeeModel

from .test_detector import BASE_FEE_WEI, USDC, WETH, detector, fair_pool, swapped, update, world

GWEI = 10**9


@dataclass
class Quotes:
    """A quote source as the engine's fee oracle is one: the latest quote, replaced per block."""

    quote: FeeQuote


def op_quote(l1_base_fee_wei: int, *, tip_wei: int = GWEI // 1000) -> FeeQuote:
    return FeeQuote(
        chain_id=1,
        block_number=1,
        fee_model=FeeModel.L2_EIP1559,
        base_fee_wei=BASE_FEE_WEI,
        tip_wei=tip_wei,
        l1=OpL1Prices(
            l1_base_fee_wei=l1_base_fee_wei,
            blob_base_fee_wei=GWEI,
            base_fee_scalar=5_227,
            blob_base_fee_scalar=1_014_213,
        ),
    )


async def test_l1_fee_is_priced_from_the_quote_and_subtracted() -> None:
    quotes = Quotes(op_quote(10 * GWEI))
    d = detector(fees=quotes, priority_fee_wei=0)
    states = {s.address: s for s in world()}
    await d.process(update(1, *states.values(), new=True))
    moved = swapped(states[fair_pool(0, "dex-a", WETH, USDC, 1).address], USDC, 600_000 * 10**6, 2)
    found = await d.process(update(2, moved))
    best = found[0]
    assert best.route.token_in == WETH  # start token = the native coin: no conversion
    assert best.gas_price_wei == BASE_FEE_WEI + GWEI // 1000  # the quote's tip
    expected = quotes.quote.l1_fee_estimate_wei(route_tx_bytes(len(best.route.hops)))
    assert best.l1_fee_wei == best.l1_fee_in_token == expected > 0
    assert best.net_profit == best.gross_profit - best.gas_cost_wei - best.l1_fee_wei
    assert best.gas_in_token == best.gas_cost_wei

    # Without an L1 price (an L1's quote, same tip) the same gap nets exactly the fee more.
    again = detector(fees=Quotes(replace(quotes.quote, l1=None)))
    await again.process(update(1, *states.values(), new=True))
    free = (await again.process(update(2, moved)))[0]
    assert free.route == best.route
    assert free.l1_fee_wei == 0
    assert free.net_profit == best.net_profit + best.l1_fee_wei


async def test_a_gap_the_l1_fee_eats_is_reported_with_the_l1_fee() -> None:
    # L2-like gas (a base fee of 1,000 wei) under an expensive L1: a gap worth a few cents
    # pays its gas many times over, but not the L1 fee of its transaction.
    d = detector(fees=Quotes(op_quote(100_000 * GWEI)))
    await d.process(replace(update(1, *world(), new=True), base_fee_wei=1_000))
    small = swapped(world()[2], USDC, 7_000 * 10**6, 2)
    found = await d.process(replace(update(2, small), base_fee_wei=1_000))
    eaten = [o for o in found if o.gross_profit - o.gas_in_token > 0 > o.net_profit]
    assert eaten
    o = eaten[0]
    assert o.l1_fee_in_token > o.gross_profit - o.gas_in_token
    reason = d.shortfall(o)
    assert reason is not None
    assert f"L1 fee {o.l1_fee_wei} wei = {o.l1_fee_in_token} in the start token" in reason
    assert "too small to pay for gas and the L1 fee" in reason
