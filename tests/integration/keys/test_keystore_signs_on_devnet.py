"""Keys from the keystore backend sign transactions real nodes accept, and only on their chain.

A key made by `KeystoreBackend.create_key` is listed, unlocked and signs a transfer that anvil
mines from its address. Cross-chain replay (EIP-155 / EIP-1559 sign the chain id): the same raw
transaction signed for one chain of the 5-chain devnet is refused by each of the other four with
the chain-id error, and then mined on its own chain.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from _receipts import mined_receipt

from omniarb.chains.fees import fees_for
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import chain_by_id
from omniarb.errors import RpcError
from omniarb.execute.signer import SignedTx, Signer
from omniarb.keys.keystore import KeystoreBackend
from omniarb.network import ChainManifest

pytestmark = pytest.mark.integration

_ALL_CHAINS = ("ethereum", "bnb", "polygon", "arbitrum", "optimism")
_RECIPIENT = "0x000000000000000000000000000000000000bEEF"
_TIP_WEI = 10**9
_VALUE_WEI = 12_345


def _backend(tmp_path: Path) -> KeystoreBackend:
    return KeystoreBackend(tmp_path / "keys", lambda: "devnet test passphrase", scrypt_n=2**12)


async def _transfer(rpc: RpcClient, chain: ChainManifest, signer: Signer) -> SignedTx:
    """A signed 1-transfer from the signer's account, priced for the chain's latest block."""
    block: dict[str, Any] = await rpc.call("eth_getBlockByNumber", "latest", False)
    spec = chain_by_id(chain.chain_id)
    fees = fees_for(
        spec.fee_model,
        base_fee_wei=int(block.get("baseFeePerGas", "0x0"), 16) * 2,
        tip_wei=_TIP_WEI,
    )
    nonce = int(await rpc.call("eth_getTransactionCount", signer.address, "pending"), 16)
    return signer.sign(
        nonce=nonce, to=_RECIPIENT, data=b"", gas=21_000, fees=fees, value=_VALUE_WEI
    )


async def _assert_not_replayed(rpc: RpcClient, tx: SignedTx, sender: str, *, origin: str) -> None:
    """`tx` (signed for chain `origin`) sent to the chain of `rpc` executes nothing there.

    A typed (EIP-1559) transaction is refused with anvil's "invalid chain id for signer". An
    EIP-155 legacy one (BNB Chain's) is, by anvil 1.7.1, answered with its hash but neither
    pooled nor mined (geth refuses it outright with "invalid chain id"): what matters, that it
    never executes, is checked after a block is mined.
    """
    if tx.raw[0] >= 0xC0:  # an RLP list, no type byte: legacy
        refusal: str | None = None
        try:
            await rpc.call("eth_sendRawTransaction", tx.raw_hex)
        except RpcError as refused:
            refusal = str(refused)
        assert refusal is None or "chain id" in refusal.lower(), f"{origin}: {refusal}"
    else:
        with pytest.raises(RpcError, match=r"(?i)invalid chain id"):
            await rpc.call("eth_sendRawTransaction", tx.raw_hex)
    await rpc.call("evm_mine")
    assert await rpc.call("eth_getTransactionByHash", tx.tx_hash) is None
    assert int(await rpc.call("eth_getTransactionCount", sender, "pending"), 16) == 0


async def test_a_keystore_key_signs_what_anvil_mines(devnet_factory: Any, tmp_path: Path) -> None:
    backend = _backend(tmp_path)
    created = backend.create_key("bot")
    assert [(k.address, k.label, k.retired) for k in backend.list_keys()] == [
        (created.address, "bot", False)
    ]
    # A fresh backend on the same directory: the key comes back from the file, not a cache.
    unlocked = _backend(tmp_path).digest_signer(created.address)
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        signer = Signer.from_digest_signer(unlocked, chain_id=chain.chain_id)
        async with RpcClient(chain.rpc_http) as rpc:
            await rpc.call("anvil_setBalance", created.address, hex(10**18))
            signed = await _transfer(rpc, chain, signer)
            tx_hash = await rpc.call("eth_sendRawTransaction", signed.raw_hex)
            assert tx_hash == signed.tx_hash
            await mined_receipt(rpc, tx_hash)
            mined = await rpc.call("eth_getTransactionByHash", tx_hash)
            assert mined["from"].lower() == created.address.lower()
            assert int(mined["value"], 16) == _VALUE_WEI


async def test_a_transaction_signed_for_one_chain_is_refused_by_the_others(
    devnet_factory: Any, tmp_path: Path
) -> None:
    backend = _backend(tmp_path)
    key = backend.digest_signer(backend.create_key("replay").address)
    async with devnet_factory(dict.fromkeys(_ALL_CHAINS)) as net:
        chains = [net.manifest.chain(name) for name in _ALL_CHAINS]
        async with AsyncExitStack() as stack:
            rpcs = {
                chain.name: await stack.enter_async_context(RpcClient(chain.rpc_http))
                for chain in chains
            }
            for rpc in rpcs.values():
                # Funded everywhere, so nothing but the chain id can be the reason for a refusal.
                await rpc.call("anvil_setBalance", key.address, hex(10**18))
            # Every chain's transaction first (each at nonce 0, so a refusal elsewhere cannot be
            # for a used nonce), each sent to the four other chains.
            signed = {
                chain.name: await _transfer(
                    rpcs[chain.name], chain, Signer.from_digest_signer(key, chain_id=chain.chain_id)
                )
                for chain in chains
            }
            for name, tx in signed.items():
                for other in _ALL_CHAINS:
                    if other != name:
                        await _assert_not_replayed(rpcs[other], tx, key.address, origin=name)
            # And each is mined on its own chain.
            for name, tx in signed.items():
                tx_hash = await rpcs[name].call("eth_sendRawTransaction", tx.raw_hex)
                receipt = await mined_receipt(rpcs[name], tx_hash)
                assert receipt["from"].lower() == key.address.lower()
