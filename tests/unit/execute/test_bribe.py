"""The bribe to the block's coinbase as the executor computes it (floor of the share of the
profit), its calldata (`executeAndPayCoinbase(bytes,uint256)`, ABI-encoded by hand), and what
the execute stage's `BribePolicy` makes of a decision: the bribe, the minimum profit raised so
the executor keeps it, the extra gas; nothing for a share of 0, another start token or a bribe
that rounds to nothing (then the call is `execute(plan)`, byte for byte)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_abi import decode as abi_decode
from hypothesis import given
from hypothesis import strategies as st

from omniarb.chains.abi import selector
from omniarb.execute.bribe import (
    BRIBE_GAS,
    BribeError,
    BribePolicy,
    bribe_wei,
    bribed_calldata,
    kept_floor,
)
from omniarb.execute.route_codec import wrap_plan
from omniarb.gas import GasModel
from omniarb.types import Decision, FlashLoan, Hop, Opportunity, OpportunitySource, Route

CHAIN = 1
WETH = "0x" + "a1" * 20
USDC = "0x" + "b2" * 20
GROSS = 3 * 10**16
PLAN = bytes(range(41 + 2 * 64))


def _hop(pool: str, token_in: str, token_out: str) -> Hop:
    return Hop(
        pool=pool,
        dex="uniswap-v2",
        kind="uniswap-v2",
        token_in=token_in,
        token_out=token_out,
        zero_for_one=token_in < token_out,
        fee_pips=3000,
    )


def decision(*, start: str = WETH, gross: int = GROSS, fee: int = 0, min_profit: int = 10**15):
    other = USDC if start == WETH else WETH
    route = Route(
        chain_id=CHAIN,
        hops=(_hop("0x" + "0a" * 20, start, other), _hop("0x" + "0b" * 20, other, start)),
    )
    opportunity = Opportunity(
        id="opp",
        chain_id=CHAIN,
        block_number=1,
        route=route,
        amount_in=10**18,
        amount_out=10**18 + gross,
        gross_profit=gross,
        gas_estimate=150_000,
        gas_price_wei=10**9,
        gas_cost_wei=150_000 * 10**9,
        net_profit=gross - 150_000 * 10**9,
        net_profit_usd=1.0,
        source=OpportunitySource.BLOCK,
        detected_ns=1,
    )
    return Decision(
        opportunity=opportunity,
        approved=True,
        reasons=(),
        amount_in=10**18,
        min_profit=min_profit,
        p_success=1.0,
        expected_value_usd=1.0,
        bribe_wei=0,
        flash_source=FlashLoan.BALANCER_V2,
        decided_ns=2,
        flash_fee=fee,
        gas_estimate=180_000,
    )


# ---------------------------------------------------------------------------- the arithmetic


def test_the_bribe_is_the_share_of_the_profit_rounded_down() -> None:
    assert bribe_wei(10_001, 2_500) == 2_500  # 2,500.25
    assert bribe_wei(3, 3_333) == 0  # 0.9999
    assert bribe_wei(GROSS, 10_000) == GROSS
    assert bribe_wei(GROSS, 0) == 0
    assert bribe_wei(0, 5_000) == 0


@pytest.mark.parametrize("share", [-1, 10_001])
def test_a_share_outside_0_to_10000_bps_is_refused(share: int) -> None:
    with pytest.raises(ValueError, match="basis points"):
        bribe_wei(GROSS, share)
    with pytest.raises(ValueError, match="basis points"):
        bribed_calldata(PLAN, share)
    with pytest.raises(ValueError, match="basis points"):
        BribePolicy(share_bps=share, wrapped_native=WETH)


@given(
    min_profit=st.integers(min_value=1, max_value=2**128),
    share=st.integers(min_value=0, max_value=9_999),
    more=st.integers(min_value=0, max_value=2**64),
)
def test_from_the_kept_floor_on_every_profit_keeps_the_minimum(
    min_profit: int, share: int, more: int
) -> None:
    floor = kept_floor(min_profit, share)
    for profit in (floor, floor + more):
        assert profit - bribe_wei(profit, share) >= min_profit
    # The least profit whose exact share would leave the minimum: nothing is overcharged.
    assert (floor - 1) * (10_000 - share) < min_profit * 10_000 <= floor * (10_000 - share)


def test_nothing_is_kept_when_all_of_the_profit_is_bribed() -> None:
    assert kept_floor(0, 10_000) == 0
    assert kept_floor(1, 10_000) > 2**128  # above any plan's profit


def test_bribed_calldata_is_the_abi_call_of_execute_and_pay_coinbase() -> None:
    data = bribed_calldata(PLAN, 2_500)
    assert data[:4] == selector("executeAndPayCoinbase(bytes,uint256)")
    assert len(data) % 32 == 4
    assert abi_decode(["bytes", "uint256"], data[4:]) == (PLAN, 2_500)


# ---------------------------------------------------------------------------- the policy


def test_a_share_of_the_predicted_profit_is_bribed_and_the_rest_expected() -> None:
    d = decision(fee=5 * 10**14)
    bribed = BribePolicy(share_bps=2_500, wrapped_native=WETH.upper().replace("0X", "0x")).applied(
        d
    )
    profit = GROSS - 5 * 10**14
    assert bribed.profit_before_bribe == profit
    assert bribed.bribe_wei == profit * 2_500 // 10_000
    assert bribed.expected_profit == profit - bribed.bribe_wei
    # The on-chain minimum now keeps the decision's minimum after the bribe.
    assert bribed.min_profit == kept_floor(10**15, 2_500) == 10**15 * 4 // 3 + 1
    assert bribed.trade_gas_estimate == 180_000 + BRIBE_GAS
    assert BribePolicy().gas == GasModel().bribe_gas == BRIBE_GAS
    assert BribePolicy(share_bps=2_500, wrapped_native=WETH).calldata(bribed, PLAN) == (
        bribed_calldata(PLAN, 2_500)
    )


@pytest.mark.parametrize(
    ("policy", "d"),
    [
        (BribePolicy(), decision()),  # share 0: no bribe
        (BribePolicy(share_bps=2_500, wrapped_native=None), decision()),  # no wrapped native
        (BribePolicy(share_bps=2_500, wrapped_native=WETH), decision(start=USDC)),
        (BribePolicy(share_bps=1, wrapped_native=WETH), decision(gross=9_999, min_profit=1)),
    ],
    ids=["share-0", "no-wrapped-native", "usdc-start", "rounds-to-0"],
)
def test_without_a_bribe_the_decision_and_the_call_are_as_before(
    policy: BribePolicy, d: Decision
) -> None:
    assert policy.applied(d) is d
    assert d.expected_profit == d.profit_before_bribe
    assert policy.calldata(d, PLAN) == wrap_plan(PLAN)


def test_a_bribe_that_leaves_less_than_the_minimum_is_rejected() -> None:
    policy = BribePolicy(share_bps=5_000, wrapped_native=WETH)
    # Half of 3e16 is bribed: 1.5e16 kept, short of a 1.6e16 minimum.
    with pytest.raises(BribeError, match="minimum profit"):
        policy.applied(decision(min_profit=16 * 10**15))
    assert policy.applied(decision(min_profit=15 * 10**15)).min_profit == GROSS
    with pytest.raises(BribeError):
        BribePolicy(share_bps=10_000, wrapped_native=WETH).applied(decision(min_profit=1))


def test_the_expected_profit_is_net_of_the_lender_fee_and_the_bribe() -> None:
    d = replace(decision(fee=7), bribe_wei=11)
    assert d.profit_before_bribe == GROSS - 7
    assert d.expected_profit == GROSS - 7 - 11
