"""Across on the devnet, end to end: a deposit built by the adapter on one chain, filled by the
devnet relayer on another after its delay, found by the adapter; the relayer's restart safety
and its fee floor."""

from __future__ import annotations

import dataclasses

from _across_flow import USDC, across_over, balance_of, filled_relay_logs, send_deposit
from _waits import eventually

from omniarb.bridges.across_abi import (
    FILL_STATUS_FILLED,
    AcrossRelay,
    fill_status_calldata,
    parse_funds_deposited,
    relay_hash,
)
from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import dev_account
from omniarb.devnet.bridges import AcrossParams, AcrossRelayer

CHAINS = {"arbitrum": None, "bnb": None}
SENDER = dev_account(1).address
RECIPIENT = dev_account(2).address


async def _relay_of(rpc: RpcClient, tx_hash: str, origin_chain_id: int) -> AcrossRelay:
    receipt = await rpc.call("eth_getTransactionReceipt", tx_hash)
    relays = [
        parse_funds_deposited(log, origin_chain_id=origin_chain_id) for log in receipt["logs"]
    ]
    found = [r for r in relays if r is not None]
    assert len(found) == 1
    return found[0]


async def _fill_status(rpc: RpcClient, spoke_pool: str, relay: AcrossRelay) -> int:
    answer = await rpc.call(
        "eth_call", {"to": spoke_pool, "data": fill_status_calldata(relay)}, "latest"
    )
    return int(answer, 16)


async def test_a_deposit_is_filled_on_its_destination_after_the_delay(devnet_factory) -> None:
    params = AcrossParams(delay_s=2.0, poll_s=0.1)
    async with (
        devnet_factory(CHAINS, bridges=True, across=params) as net,
        across_over(net.manifest) as (across, rpcs),
    ):
        arbitrum, bnb = net.manifest.chain("arbitrum"), net.manifest.chain("bnb")
        assert arbitrum.bridges[0].api_url
        assert arbitrum.bridges[0].expected_delay_s == 2.0
        quote = await across.quote("arbitrum", "bnb", USDC, USDC, 2_500 * 10**6)
        # 5 bps of 2,500 USDC plus the $0.50 fixed part, and 6 decimals become BNB's 18.
        assert quote.fee_in == 1_250_000 + 500_000
        assert quote.amount_out == (2_500 * 10**6 - quote.fee_in) * 10**12
        before = await balance_of(rpcs["bnb"], quote.token_out, RECIPIENT)
        deposit = await send_deposit(
            across, rpcs["arbitrum"], quote, sender=SENDER, recipient=RECIPIENT
        )
        assert deposit.dst_chain == "bnb"
        assert deposit.amount_out == quote.amount_out
        deposit_id = await rpcs["arbitrum"].call(
            "eth_call",
            {"to": arbitrum.bridges[0].address, "data": encode_call("numberOfDeposits()")},
            "latest",
        )
        assert deposit.deposit_id == str(int(deposit_id, 16) - 1)

        arrival = await eventually(lambda: across.arrival(deposit), what="the fill", timeout_s=30)

        assert arrival.amount_received == quote.amount_out
        after = await balance_of(rpcs["bnb"], quote.token_out, RECIPIENT)
        assert after - before == quote.amount_out
        deposit_block = await rpcs["arbitrum"].call(
            "eth_getBlockByNumber", hex(deposit.block_number), False
        )
        fill_block = await rpcs["bnb"].call(
            "eth_getBlockByNumber", hex(arrival.block_number), False
        )
        assert int(fill_block["timestamp"], 16) >= int(deposit_block["timestamp"], 16) + 2
        # Our relay hash is the destination SpokePool's own.
        relay = await _relay_of(rpcs["arbitrum"], deposit.tx_hash, arbitrum.chain_id)
        data = encode_call(
            "getV3RelayHash((bytes32,bytes32,bytes32,bytes32,bytes32,uint256,uint256,uint256,uint256,uint32,uint32,bytes))",
            relay.relay_data(),
        )
        on_chain = await rpcs["bnb"].call(
            "eth_call", {"to": bnb.bridges[0].address, "data": data}, "latest"
        )
        assert bytes.fromhex(on_chain[2:]) == relay_hash(relay)
        assert await _fill_status(rpcs["bnb"], bnb.bridges[0].address, relay) == FILL_STATUS_FILLED


async def test_a_relayer_stopped_after_a_deposit_fills_it_once_after_a_restart(
    devnet_factory,
) -> None:
    # Long enough for the test to stop it between seeing the deposit and its fill time.
    params = AcrossParams(delay_s=4.0, poll_s=0.1)
    async with devnet_factory(CHAINS) as net:
        first = AcrossRelayer(net.manifest, params)
        await first.start()
        try:
            async with across_over(net.manifest, api_url=first.api_url) as (across, rpcs):
                quote = await across.quote("bnb", "arbitrum", USDC, USDC, 700 * 10**18)
                deposit = await send_deposit(
                    across, rpcs["bnb"], quote, sender=SENDER, recipient=RECIPIENT
                )
                await eventually(
                    lambda: _async(first.stats.seen == 1), what="the relayer seeing the deposit"
                )
                await first.stop()  # before its delay is up: nothing filled yet
                assert first.stats.filled == 0
                # A new process: it scans the chains from their start.
                second = AcrossRelayer(net.manifest, params)
                await second.start()
                try:
                    await eventually(lambda: across.arrival(deposit), what="the fill", timeout_s=30)
                    # Its own wait for the receipt ends a poll after the fill is visible.
                    await eventually(
                        lambda: _async(second.stats.filled == 1), what="the second relayer's count"
                    )
                finally:
                    await second.stop()
                # The first one, started again, still holds the deposit: it reads the fill
                # status and leaves it.
                await first.start()
                await eventually(
                    lambda: _async(first.stats.already_filled == 1),
                    what="the restarted relayer seeing the fill",
                    timeout_s=15,
                )
                spoke_pool = net.manifest.chain("arbitrum").bridges[0].address
                fills = await filled_relay_logs(rpcs["arbitrum"], spoke_pool)
                assert len(fills) == 1
                assert first.stats.filled == 0
        finally:
            await first.stop()


async def test_a_deposit_asking_more_than_the_fee_allows_is_not_filled(devnet_factory) -> None:
    params = AcrossParams(delay_s=0.0, poll_s=0.1)
    async with (
        devnet_factory(CHAINS, bridges=True, across=params) as net,
        across_over(net.manifest) as (across, rpcs),
    ):
        relayer = net.bridge_service.agent("across-relayer")
        assert isinstance(relayer, AcrossRelayer)
        quote = await across.quote("arbitrum", "bnb", USDC, USDC, 100 * 10**6)
        greedy = dataclasses.replace(quote, amount_out=quote.amount_out + 1)
        refused = await send_deposit(
            across, rpcs["arbitrum"], greedy, sender=SENDER, recipient=RECIPIENT
        )
        await eventually(
            lambda: _async(relayer.stats.refused_fee == 1), what="the refusal", timeout_s=15
        )
        # A fair deposit after it is filled: the relayer is alive, it only refused the greedy one.
        fair = await send_deposit(
            across, rpcs["arbitrum"], quote, sender=SENDER, recipient=RECIPIENT
        )
        await eventually(lambda: across.arrival(fair), what="the fair fill", timeout_s=30)
        assert await across.arrival(refused) is None
        relay = await _relay_of(
            rpcs["arbitrum"], refused.tx_hash, net.manifest.chain("arbitrum").chain_id
        )
        assert (
            await _fill_status(rpcs["bnb"], net.manifest.chain("bnb").bridges[0].address, relay)
            == 0
        )
        # The relayer's own wait for its receipt ends a poll after the fill is visible.
        await eventually(lambda: _async(relayer.stats.filled == 1), what="the relayer's count")


async def _async(value: bool) -> bool:
    return value
