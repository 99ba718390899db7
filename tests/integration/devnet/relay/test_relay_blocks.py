"""The devnet relay builds blocks: bundles at the top, atomically and in order, the best payer
first; reverting, invalid and replaced bundles dropped whole. Real anvil, real signed
transactions, the relay mining block by block (`build_block`)."""

from __future__ import annotations

import uuid

import pytest
from _relay_chain import (
    CLAIM_GAS,
    GWEI,
    RelayChain,
    address,
    balance_of,
    claim_data,
    nonce_of,
    sign,
)

from omniarb.devnet.relay import RelayServer
from omniarb.execute.bundle_requests import Bundle
from omniarb.execute.relay_auth import RelayAuth
from omniarb.execute.relay_client import RelayClient

pytestmark = pytest.mark.integration

VICTIM, SEARCHER, OTHER, RIVAL = 1, 2, 3, 4


async def _head(chain: RelayChain) -> int:
    return int(await chain.rpc.call("eth_blockNumber"), 16)


async def _block_txs(chain: RelayChain, number: int) -> list[str]:
    block = await chain.rpc.call("eth_getBlockByNumber", hex(number), False)
    return list(block["transactions"])


async def test_bundle_lands_at_the_top_in_order_with_the_victim_once(
    chain: RelayChain, relay: RelayServer, auth: RelayAuth
) -> None:
    sink = address(8)
    # A public transaction tipping far more than the bundle: fee order would put it first.
    rich_raw, rich_hash = sign(
        OTHER, nonce=await nonce_of(chain.rpc, OTHER), to=sink, tip_wei=50 * GWEI
    )
    victim_raw, victim_hash = sign(VICTIM, nonce=await nonce_of(chain.rpc, VICTIM), to=sink)
    for raw in (rich_raw, victim_raw):
        await chain.rpc.call("eth_sendRawTransaction", raw)
    ours_raw, ours_hash = sign(
        SEARCHER, nonce=await nonce_of(chain.rpc, SEARCHER), to=sink, tip_wei=1
    )
    target = await _head(chain) + 1
    async with RelayClient(relay.url, auth) as client:
        bundle_hash = await client.send_bundle(
            Bundle(txs=(victim_raw, ours_raw), block_number=target)
        )

    built = await relay.build_block()

    assert built.number == target
    assert built.included == (bundle_hash,)
    assert await _block_txs(chain, target) == [victim_hash, ours_hash, rich_hash]
    assert relay.outcome(bundle_hash) == "included"
    stats = relay.stats()
    assert (stats.bundles_received, stats.bundles_included, stats.bundles_dropped) == (1, 1, 0)


async def test_a_reverting_bundle_is_dropped_whole_unless_its_revert_is_allowed(
    chain: RelayChain, relay: RelayServer, auth: RelayAuth
) -> None:
    opportunity = 7
    first_raw, _ = sign(
        OTHER,
        nonce=await nonce_of(chain.rpc, OTHER),
        to=chain.payer,
        data=claim_data(opportunity),
        gas=CLAIM_GAS,
    )
    await chain.rpc.call("eth_sendRawTransaction", first_raw)
    await relay.build_block()  # the opportunity is claimed: a second claim reverts
    searcher_nonce = await nonce_of(chain.rpc, SEARCHER)
    pay_raw, pay_hash = sign(SEARCHER, nonce=searcher_nonce, to=address(8), value_wei=10**15)
    revert_raw, revert_hash = sign(
        SEARCHER,
        nonce=searcher_nonce + 1,
        to=chain.payer,
        data=claim_data(opportunity),
        gas=CLAIM_GAS,
    )
    target = await _head(chain) + 1
    async with RelayClient(relay.url, auth) as client:
        simulated = await client.call_bundle(Bundle(txs=(pay_raw, revert_raw), block_number=target))
        assert simulated.first_revert is not None
        assert simulated.first_revert.tx_hash == revert_hash
        dropped = await client.send_bundle(Bundle(txs=(pay_raw, revert_raw), block_number=target))

    built = await relay.build_block()

    assert built.included == ()
    assert built.dropped[dropped].startswith("reverted")
    assert pay_hash not in built.tx_hashes
    assert revert_hash not in built.tx_hashes
    assert await nonce_of(chain.rpc, SEARCHER) == searcher_nonce
    assert relay.stats().dropped_by_reason == {"reverted": 1}

    # The same bundle with the revert allowed lands whole, the reverted claim included.
    target += 1
    async with RelayClient(relay.url, auth) as client:
        allowed = await client.send_bundle(
            Bundle(
                txs=(pay_raw, revert_raw), block_number=target, reverting_tx_hashes=(revert_hash,)
            )
        )
    built = await relay.build_block()
    assert built.included == (allowed,)
    assert list(built.tx_hashes[:2]) == [pay_hash, revert_hash]
    receipt = await chain.rpc.call("eth_getTransactionReceipt", revert_hash)
    assert int(receipt["status"], 16) == 0


async def test_a_replaced_victim_voids_the_backrun_and_nothing_is_paid(
    chain: RelayChain, relay: RelayServer, auth: RelayAuth
) -> None:
    victim_nonce = await nonce_of(chain.rpc, VICTIM)
    victim_raw, _ = sign(VICTIM, nonce=victim_nonce, to=address(8), tip_wei=GWEI)
    await chain.rpc.call("eth_sendRawTransaction", victim_raw)
    searcher_nonce = await nonce_of(chain.rpc, SEARCHER)
    searcher_balance = await balance_of(chain.rpc, address(SEARCHER))
    ours_raw, ours_hash = sign(
        SEARCHER,
        nonce=searcher_nonce,
        to=chain.payer,
        data=claim_data(11),
        value_wei=10**16,
        gas=CLAIM_GAS,
    )
    target = await _head(chain) + 1
    async with RelayClient(relay.url, auth) as client:
        bundle_hash = await client.send_bundle(
            Bundle(txs=(victim_raw, ours_raw), block_number=target)
        )
    # The victim's owner replaces it in the public pool: same nonce, a higher tip.
    replacement_raw, replacement_hash = sign(
        VICTIM, nonce=victim_nonce, to=address(9), tip_wei=3 * GWEI
    )
    await chain.rpc.call("eth_sendRawTransaction", replacement_raw)

    built = await relay.build_block()

    assert built.included == ()
    assert built.dropped[bundle_hash].startswith("replaced")
    assert replacement_hash in built.tx_hashes
    assert ours_hash not in built.tx_hashes
    assert await nonce_of(chain.rpc, SEARCHER) == searcher_nonce
    assert await balance_of(chain.rpc, address(SEARCHER)) == searcher_balance


async def test_a_reverting_victim_voids_the_backrun(
    chain: RelayChain, relay: RelayServer, auth: RelayAuth
) -> None:
    opportunity = 12
    taker_raw, _ = sign(
        OTHER,
        nonce=await nonce_of(chain.rpc, OTHER),
        to=chain.payer,
        data=claim_data(opportunity),
        gas=CLAIM_GAS,
    )
    await chain.rpc.call("eth_sendRawTransaction", taker_raw)
    await relay.build_block()
    # The pending victim will revert (its opportunity is gone).
    victim_raw, victim_hash = sign(
        VICTIM,
        nonce=await nonce_of(chain.rpc, VICTIM),
        to=chain.payer,
        data=claim_data(opportunity),
        gas=CLAIM_GAS,
    )
    await chain.rpc.call("eth_sendRawTransaction", victim_raw)
    searcher_nonce = await nonce_of(chain.rpc, SEARCHER)
    searcher_balance = await balance_of(chain.rpc, address(SEARCHER))
    ours_raw, ours_hash = sign(SEARCHER, nonce=searcher_nonce, to=address(8), value_wei=10**15)
    target = await _head(chain) + 1
    async with RelayClient(relay.url, auth) as client:
        bundle_hash = await client.send_bundle(
            Bundle(txs=(victim_raw, ours_raw), block_number=target)
        )

    built = await relay.build_block()

    assert built.dropped[bundle_hash].startswith("reverted")
    assert victim_hash in built.tx_hashes  # public: mined (and reverted) on its own
    assert ours_hash not in built.tx_hashes
    assert await nonce_of(chain.rpc, SEARCHER) == searcher_nonce
    assert await balance_of(chain.rpc, address(SEARCHER)) == searcher_balance


async def test_of_two_bundles_for_one_opportunity_the_higher_coinbase_payment_wins(
    chain: RelayChain, relay: RelayServer, auth: RelayAuth
) -> None:
    opportunity = 21
    low_raw, low_hash = sign(
        SEARCHER,
        nonce=await nonce_of(chain.rpc, SEARCHER),
        to=chain.payer,
        data=claim_data(opportunity),
        value_wei=10**15,
        gas=CLAIM_GAS,
        tip_wei=2 * GWEI,
    )
    high_raw, high_hash = sign(
        RIVAL,
        nonce=await nonce_of(chain.rpc, RIVAL),
        to=chain.payer,
        data=claim_data(opportunity),
        value_wei=2 * 10**15,
        gas=CLAIM_GAS,
        tip_wei=1,
    )
    target = await _head(chain) + 1
    coinbase = await chain.rpc.call("eth_coinbase")
    coinbase_before = await balance_of(chain.rpc, coinbase)
    async with RelayClient(relay.url, auth) as client:
        low_sim = await client.call_bundle(Bundle(txs=(low_raw,), block_number=target))
        high_sim = await client.call_bundle(Bundle(txs=(high_raw,), block_number=target))
        # Sent first, the lower payer would win a first-come race; the relay ranks by payment.
        low = await client.send_bundle(Bundle(txs=(low_raw,), block_number=target))
        high = await client.send_bundle(Bundle(txs=(high_raw,), block_number=target))
    assert high_sim.coinbase_diff_wei > low_sim.coinbase_diff_wei

    built = await relay.build_block()

    assert built.included == (high,)
    assert built.dropped[low].startswith("conflict")
    assert built.tx_hashes == (high_hash,)
    assert low_hash not in built.tx_hashes
    # The coinbase gained exactly what the simulation said the winner pays it.
    assert await balance_of(chain.rpc, coinbase) - coinbase_before == high_sim.coinbase_diff_wei
    assert high_sim.results[0].eth_sent_to_coinbase_wei == 2 * 10**15


async def test_a_cancelled_bundle_is_not_built(
    chain: RelayChain, relay: RelayServer, auth: RelayAuth
) -> None:
    replacement_uuid = str(uuid.uuid4())
    raw, tx_hash = sign(SEARCHER, nonce=await nonce_of(chain.rpc, SEARCHER), to=address(8))
    first = await _head(chain) + 1
    bundle = Bundle(txs=(raw,), block_number=first, replacement_uuid=replacement_uuid)
    async with RelayClient(relay.url, auth) as client:
        hashes = await client.send_for_blocks(bundle, blocks=3)
        assert len(hashes) == 3
        assert set(await client.cancel_bundle(replacement_uuid)) == set(hashes)
    for _ in range(3):
        built = await relay.build_block()
        assert tx_hash not in built.tx_hashes
    assert relay.stats().bundles_cancelled == 3
