"""The product's `BundleSender` against the devnet relay: a bundle built on a head the chain has
moved past is refused for its built blocks and sent again for the blocks after the chain's head;
it lands there, and a landed bundle's later copies are withdrawn. One no block takes (its
transaction is invalid there) settles with no receipt once its last block has passed."""

from __future__ import annotations

import pytest
from _relay_chain import GWEI, RelayChain, address, nonce_of, sign

from omniarb.devnet.relay import RelayServer
from omniarb.errors import RejectedError, RpcError
from omniarb.execute.bundle_send import BundleSender
from omniarb.execute.relay_auth import RelayAuth
from omniarb.execute.relay_client import RelayClient
from omniarb.execute.signer import SignedTx

pytestmark = pytest.mark.integration


def _signed(raw: str, tx_hash: str, nonce: int) -> SignedTx:
    return SignedTx(raw=bytes.fromhex(raw.removeprefix("0x")), tx_hash=tx_hash, nonce=nonce)


async def _head(chain: RelayChain) -> int:
    return int(await chain.rpc.call("eth_blockNumber"), 16)


async def test_a_bundle_on_a_stale_head_is_sent_again_after_the_chains_head_and_lands(
    chain: RelayChain, relay: RelayServer, auth: RelayAuth
) -> None:
    await relay.build_block()
    await relay.build_block()
    stale = await _head(chain) - 2  # the synced state two blocks behind the chain
    nonce = await nonce_of(chain.rpc, 2)
    raw, tx_hash = sign(2, nonce=nonce, to=address(8), tip_wei=3 * GWEI)
    async with RelayClient(relay.url, auth) as client:
        without_refresh = BundleSender(relay=client, head_block=lambda: stale, blocks_ahead=2)
        with pytest.raises(RpcError, match="already built"):
            await without_refresh.send(_signed(raw, tx_hash, nonce), key="stale")
        sender = BundleSender(
            relay=client,
            head_block=lambda: stale,
            blocks_ahead=2,
            chain_head=lambda: _head(chain),
        )
        sent = await sender.send(_signed(raw, tx_hash, nonce), key="fresh")
        head = await _head(chain)
        assert (sent.first_block, sent.last_block) == (head + 1, head + 2)
        assert sent.acknowledged
        built = await relay.build_block()
        assert built.tx_hashes[0] == tx_hash.lower()
        landing = await sender.land(chain.rpc, sent, poll_interval_s=0.01, timeout_s=10)
        assert landing.receipt is not None
        assert landing.receipt.block_number == head + 1
        await sender.cancel(sent)  # the copy for head + 2: withdrawn
    await relay.build_block()
    stats = relay.stats()
    assert stats.bundles_included == 1
    assert stats.bundles_cancelled >= 1


async def test_a_bundle_no_block_takes_settles_without_a_receipt(
    chain: RelayChain, relay: RelayServer, auth: RelayAuth
) -> None:
    nonce = await nonce_of(chain.rpc, 2)
    # A nonce from the future: every target block's simulation finds it invalid.
    raw, tx_hash = sign(2, nonce=nonce + 5, to=address(8), tip_wei=3 * GWEI)
    async with RelayClient(relay.url, auth) as client:
        sender = BundleSender(
            relay=client, head_block=lambda: None, blocks_ahead=2, chain_head=lambda: _head(chain)
        )
        with pytest.raises(RejectedError, match="no head block"):
            await sender.send(_signed(raw, tx_hash, nonce + 5), key="headless")
        head = await _head(chain)
        sender = BundleSender(relay=client, head_block=lambda: head, blocks_ahead=2)
        sent = await sender.send(_signed(raw, tx_hash, nonce + 5), key="never")
        await relay.build_block()
        await relay.build_block()
        landing = await sender.land(chain.rpc, sent, poll_interval_s=0.01, timeout_s=10)
    assert landing.receipt is None
    assert relay.stats().dropped_by_reason.get("invalid", 0) == 2
    assert await chain.rpc.call("eth_getTransactionReceipt", tx_hash) is None


async def test_no_bundle_targets_a_block_past_the_trades_deadline(
    chain: RelayChain, relay: RelayServer, auth: RelayAuth
) -> None:
    nonce = await nonce_of(chain.rpc, 2)
    raw, tx_hash = sign(2, nonce=nonce, to=address(8), tip_wei=3 * GWEI)
    head = await _head(chain)
    async with RelayClient(relay.url, auth) as client:
        sender = BundleSender(relay=client, head_block=lambda: head, blocks_ahead=3)
        assert sender.last_target_block() == head + 3
        with pytest.raises(RejectedError, match="deadline block"):
            await sender.send(_signed(raw, tx_hash, nonce), key="late", deadline_block=head)
        sent = await sender.send(_signed(raw, tx_hash, nonce), key="due", deadline_block=head + 2)
        assert (sent.first_block, sent.last_block) == (head + 1, head + 2)
        assert len(sent.replacement_uuids) == 2
        built = await relay.build_block()
        assert built.tx_hashes[0] == tx_hash.lower()
