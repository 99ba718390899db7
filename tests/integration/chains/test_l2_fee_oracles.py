"""The L2 fee models against the devnet's fee oracles at the real system addresses: our Python
Fjord fee equals `GasPriceOracle.getL1Fee` to the wei (and our FastLZ length the contract's),
Arbitrum's L1 component is read from NodeInterface, and a moved L1 price is seen by both."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from _fee_vectors import OP_GETH_CONTRACT_CALL_TX, OP_GETH_EMPTY_TX

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.fee_models import FeeOracle, TipPolicy, flz_compress_len
from omniarb.chains.fee_models.arbitrum import TX_FIXED_L1_BYTES, read_l1_component
from omniarb.chains.fee_models.optimism import read_op_l1_prices, read_oracle_l1_fee_wei
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import GAS_PRICE_ORACLE, ChainSpec, chain_by_name
from omniarb.devnet.accounts import dev_account
from omniarb.devnet.anvil import AnvilNode, AnvilOptions
from omniarb.devnet.deploy import DEV_L1_FEES, install_l2_fee_contracts, l1_price_call
from omniarb.devnet.deploy._sender import Sender, mined_receipt

pytestmark = pytest.mark.integration

GWEI = 10**9


@asynccontextmanager
async def fee_chain(spec: ChainSpec) -> AsyncIterator[tuple[RpcClient, Sender]]:
    """A bare anvil with `spec`'s chain id and the fee oracles' stand-ins installed."""
    node = await AnvilNode.start(AnvilOptions(chain_id=spec.chain_id, accounts=2))
    try:
        async with RpcClient(node.rpc_http) as rpc:
            sender = Sender(rpc, dev_account(0).address)
            installed = await install_l2_fee_contracts(spec, rpc, sender)
            assert installed
            yield rpc, sender
    finally:
        await node.stop()


async def set_l1_base_fee(rpc: RpcClient, sender: Sender, spec: ChainSpec, wei: int) -> None:
    call = l1_price_call(spec, wei)
    assert call is not None
    await mined_receipt(rpc, await sender.send("L1 price", *call))


def payloads() -> list[bytes]:
    """Inputs that exercise every path of FastLZ: short, all zero, random, repetitive, long
    matches past 262 bytes, and calldata-like words."""
    rng = random.Random(15)
    words = b"".join(
        rng.choice([b"\0" * 32, b"\0" * 12 + rng.randbytes(20), rng.randbytes(32)])
        for _ in range(24)
    )
    return [
        b"",
        b"\x02",
        rng.randbytes(12),
        bytes(13),
        bytes(100),
        rng.randbytes(200),
        b"abcabcabcabc" * 40,
        bytes(1000),
        bytes(300) + rng.randbytes(50) + bytes(300),
        words,
        b"\x02\xf9\x01\x8a" + words + words[:100],
        bytes([1]) * 1000,
        OP_GETH_EMPTY_TX,
        OP_GETH_CONTRACT_CALL_TX,
    ]


async def test_python_fjord_fee_equals_the_gas_price_oracle_to_the_wei():
    spec = chain_by_name("optimism")
    async with fee_chain(spec) as (rpc, sender):
        prices = await read_op_l1_prices(rpc, spec.system.l1_block or "")
        assert prices.l1_base_fee_wei == DEV_L1_FEES.l1_base_fee_wei
        assert prices.base_fee_scalar == DEV_L1_FEES.base_fee_scalar
        for l1_base_fee in (DEV_L1_FEES.l1_base_fee_wei, 7 * GWEI, 0):
            await set_l1_base_fee(rpc, sender, spec, l1_base_fee)
            prices = await read_op_l1_prices(rpc, spec.system.l1_block or "")
            assert prices.l1_base_fee_wei == l1_base_fee
            for data in payloads():
                length = await rpc.call(
                    "eth_call",
                    {"to": GAS_PRICE_ORACLE, "data": encode_call("fastLzLength(bytes)", data)},
                    "latest",
                )
                assert flz_compress_len(data) == decode(["uint256"], length)[0], data.hex()
                fee = await read_oracle_l1_fee_wei(rpc, GAS_PRICE_ORACLE, data)
                assert prices.l1_fee_of_unsigned(data) == fee
                bound = await rpc.call(
                    "eth_call",
                    {
                        "to": GAS_PRICE_ORACLE,
                        "data": encode_call("getL1FeeUpperBound(uint256)", len(data)),
                    },
                    "latest",
                )
                assert prices.l1_fee_upper_bound(len(data)) == decode(["uint256"], bound)[0]
                assert prices.l1_fee_upper_bound(len(data)) >= fee
        # A higher L1 price makes the same data cost more.
        await set_l1_base_fee(rpc, sender, spec, 100 * GWEI)
        high = await read_oracle_l1_fee_wei(rpc, GAS_PRICE_ORACLE, payloads()[-1])
        assert high > prices.l1_fee_of_unsigned(payloads()[-1])


async def test_arbitrum_l1_component_and_quote_follow_the_l1_price():
    spec = chain_by_name("arbitrum")
    async with fee_chain(spec) as (rpc, sender):
        oracle = FeeOracle(rpc=rpc, spec=spec, policy=TipPolicy(bounds=spec.tips))
        data = bytes(range(256)) * 2
        node_interface = spec.system.node_interface or ""
        component = await read_l1_component(rpc, node_interface, to=sender.address, data=data)
        assert component.l1_base_fee_estimate_wei == DEV_L1_FEES.l1_base_fee_wei
        poster_cost = 16 * DEV_L1_FEES.l1_base_fee_wei * (len(data) + TX_FIXED_L1_BYTES)
        # Gas at the base fee, rounded up: covers the poster's cost by less than one gas.
        assert 0 <= component.l1_fee_wei - poster_cost < component.base_fee_wei
        quote = await oracle.refresh()
        assert quote.tip_wei == 0  # ArbOS ignores tips
        assert quote.l1_base_fee_wei == DEV_L1_FEES.l1_base_fee_wei
        assert quote.l1_fee_estimate_wei(len(data)) == poster_cost
        await set_l1_base_fee(rpc, sender, spec, 3 * DEV_L1_FEES.l1_base_fee_wei)
        quote = await oracle.refresh()
        assert quote.l1_fee_estimate_wei(len(data)) == 3 * poster_cost
        again = await oracle.exact_l1_cost(to=sender.address, data=data, unsigned_tx=b"")
        # Charged as L1 gas at the (current) L2 base fee, rounded up to whole gas.
        base_fee_wei, rest = divmod(again.fee_wei, again.l1_gas)
        assert rest == 0
        assert 0 <= again.fee_wei - 3 * poster_cost < base_fee_wei


async def test_a_trade_of_the_quotes_block_is_priced_without_a_round_trip():
    """On Arbitrum the quote's per-byte bound never understates the exact component, with L1
    gas enough to pay it at the base fee; on Optimism the quote's L1 prices are the chain's
    now. Both only for the quote's block or an earlier one: a later block reads the chain."""
    arbitrum = chain_by_name("arbitrum")
    async with fee_chain(arbitrum) as (rpc, sender):
        oracle = FeeOracle(rpc=rpc, spec=arbitrum, policy=TipPolicy(bounds=arbitrum.tips))
        for l1_base_fee in (DEV_L1_FEES.l1_base_fee_wei, 9 * DEV_L1_FEES.l1_base_fee_wei):
            await set_l1_base_fee(rpc, sender, arbitrum, l1_base_fee)
            quote = await oracle.refresh()
            for data in payloads()[2:]:
                unsigned = b"\x02" + bytes(60) + data  # a transaction is longer than its data
                bound = await oracle.arb_l1_bound(len(unsigned), quote.block_number)
                assert bound is not None
                exact = await oracle.exact_l1_cost(
                    to=sender.address, data=data, unsigned_tx=unsigned
                )
                assert bound.fee_wei >= exact.fee_wei
                assert bound.l1_gas * quote.base_fee_wei >= bound.fee_wei
            assert await oracle.arb_l1_bound(100, quote.block_number + 1) is None
    optimism = chain_by_name("optimism")
    async with fee_chain(optimism) as (rpc, sender):
        oracle = FeeOracle(rpc=rpc, spec=optimism, policy=TipPolicy(bounds=optimism.tips))
        await set_l1_base_fee(rpc, sender, optimism, 7 * GWEI)
        quote = await oracle.refresh()
        assert await oracle.current_op_prices(quote.block_number) is quote.l1
        await set_l1_base_fee(rpc, sender, optimism, 11 * GWEI)
        # The quote is of an older block now: the prices are read, and are the new ones.
        newer = await oracle.current_op_prices(quote.block_number + 1)
        assert newer is not None
        assert newer.l1_base_fee_wei == 11 * GWEI
        # A refresh under way is waited for rather than read again: its quote is the answer.
        await set_l1_base_fee(rpc, sender, optimism, 13 * GWEI)
        head = int(await rpc.call("eth_blockNumber"), 16)
        refreshing = asyncio.create_task(oracle.refresh())
        await asyncio.sleep(0)  # one turn of the loop: the task starts and waits on its request
        waited = await oracle.quote_of(head)
        assert waited is await refreshing
        assert waited.l1_base_fee_wei == 13 * GWEI
        assert await oracle.arb_l1_bound(100, quote.block_number) is None  # not Arbitrum
