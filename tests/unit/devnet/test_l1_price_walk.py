"""The devnet's L1 price walk: only on the L2s, bounded, and the same for the same seed."""

from __future__ import annotations

from omniarb.chains.abi import decode
from omniarb.chains.spec import GAS_PRICE_ORACLE, chain_by_name
from omniarb.devnet.market.l1_price import L1PriceWalk

GWEI = 10**9


def test_no_walk_on_an_l1():
    assert L1PriceWalk.for_chain(chain_by_name("ethereum"), seed=7) is None
    assert L1PriceWalk.for_chain(chain_by_name("bnb"), seed=7) is None


def test_walk_moves_within_bounds_and_replays_for_a_seed():
    optimism = chain_by_name("optimism")
    walk = L1PriceWalk.for_chain(optimism, seed=7)
    again = L1PriceWalk.for_chain(optimism, seed=7)
    assert walk is not None
    assert again is not None
    walk.step_sigma = again.step_sigma = 0.5  # large steps: the bounds are reached
    prices = []
    for _ in range(400):
        to, data = walk.step()
        assert (to, data) == again.step()
        assert to == optimism.system.l1_block
        assert to != GAS_PRICE_ORACLE
        (price, *_) = decode(["uint256", "uint256", "uint32", "uint32"], bytes.fromhex(data[10:]))
        assert price == walk.price_wei
        prices.append(price)
    assert min(prices) == walk.low_wei == GWEI
    assert max(prices) == walk.high_wei == 300 * GWEI
    assert len(set(prices)) > 100


def test_arbitrum_walk_sets_arb_gas_info():
    arbitrum = chain_by_name("arbitrum")
    walk = L1PriceWalk.for_chain(arbitrum, seed=1)
    assert walk is not None
    to, data = walk.step()
    assert to == arbitrum.system.arb_gas_info
    assert decode(["uint256"], bytes.fromhex(data[10:]))[0] == walk.price_wei
