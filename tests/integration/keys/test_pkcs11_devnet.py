"""Transactions signed by a SoftHSM2 key are accepted by anvil on all five devnet chains: the
token's ECDSA signature, normalized and given its recovery id by the pkcs11 backend, is what a
node needs to recover the sender (EIP-1559 and legacy EIP-155 transactions on every chain)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _receipts import mined_receipt
from _softhsm import TestToken

from omniarb.chains.fees import read_fees
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel, chain_by_name
from omniarb.devnet.accounts import dev_account
from omniarb.errors import RpcError
from omniarb.execute.signer import Signer
from omniarb.keys.pkcs11 import Pkcs11Backend
from omniarb.network import ChainManifest

pytestmark = pytest.mark.integration

_ALL_CHAINS = ("ethereum", "bnb", "polygon", "arbitrum", "optimism")
# Account 11: no devnet role (accounts.py), so nothing else spends its nonces.
_FUNDER_INDEX = 11
_FUNDING_WEI = 10**18
_SENT_WEI = 12_345
_TRANSFER_GAS = 21_000
_TIP_WEI = 10**9


@pytest.fixture
def backend(softhsm_token: TestToken) -> Iterator[Pkcs11Backend]:
    with Pkcs11Backend(
        softhsm_token.token.module_path, softhsm_token.token.label, softhsm_token.pin
    ) as opened:
        yield opened


async def _send(rpc: RpcClient, raw_hex: str) -> dict[str, object]:
    tx_hash = await rpc.call("eth_sendRawTransaction", raw_hex)
    return await mined_receipt(rpc, tx_hash)


async def _nonce(rpc: RpcClient, address: str) -> int:
    return int(await rpc.call("eth_getTransactionCount", address, "pending"), 16)


async def _balance_wei(rpc: RpcClient, address: str) -> int:
    return int(await rpc.call("eth_getBalance", address, "latest"), 16)


async def _pkcs11_transfers(chain: ChainManifest, hsm: Signer, funder: Signer) -> None:
    """Fund the HSM's address, then send one type-2 and one legacy transfer signed by the HSM."""
    async with RpcClient(chain.rpc_http) as rpc:
        fee_model = chain_by_name(chain.name).fee_model
        fees = await read_fees(rpc, fee_model=fee_model, tip_wei=_TIP_WEI)
        funding = funder.sign(
            nonce=await _nonce(rpc, funder.address),
            to=hsm.address,
            data=b"",
            gas=_TRANSFER_GAS,
            fees=fees,
            value=_FUNDING_WEI,
        )
        await _send(rpc, funding.raw_hex)
        recipient_before_wei = await _balance_wei(rpc, funder.address)

        eip1559 = await read_fees(rpc, fee_model=FeeModel.EIP1559, tip_wei=_TIP_WEI)
        legacy = await read_fees(rpc, fee_model=FeeModel.LEGACY, tip_wei=_TIP_WEI)
        for expected_type, chain_fees in (("0x2", eip1559), ("0x0", legacy)):
            signed = hsm.sign(
                nonce=await _nonce(rpc, hsm.address),
                to=funder.address,
                data=b"",
                gas=_TRANSFER_GAS,
                fees=chain_fees,
                value=_SENT_WEI,
            )
            receipt = await _send(rpc, signed.raw_hex)
            assert receipt["from"] == hsm.address.lower(), chain.name
            assert receipt["type"] == expected_type, chain.name
            assert receipt["transactionHash"] == signed.tx_hash
            tx = await rpc.call("eth_getTransactionByHash", signed.tx_hash)
            assert int(tx["chainId"], 16) == chain.chain_id, chain.name
        assert await _balance_wei(rpc, funder.address) == recipient_before_wei + 2 * _SENT_WEI


async def test_softhsm_signed_transactions_are_accepted_on_all_five_chains(
    devnet_factory, backend: Pkcs11Backend
) -> None:
    key = backend.create_key("devnet-executor")
    digest_signer = backend.digest_signer(key.address)
    funder_key = dev_account(_FUNDER_INDEX).private_key
    async with devnet_factory(dict.fromkeys(_ALL_CHAINS)) as net:
        chains = net.manifest.chains
        assert sorted(chain.name for chain in chains) == sorted(_ALL_CHAINS)
        for chain in chains:
            await _pkcs11_transfers(
                chain,
                Signer.from_digest_signer(digest_signer, chain_id=chain.chain_id),
                Signer(funder_key, chain_id=chain.chain_id),
            )

        # EIP-155: what the HSM signed for one chain, no other chain accepts.
        ethereum, polygon = chains[0], chains[2]
        hsm_on_ethereum = Signer.from_digest_signer(digest_signer, chain_id=ethereum.chain_id)
        async with RpcClient(polygon.rpc_http) as rpc:
            replay = hsm_on_ethereum.sign(
                nonce=await _nonce(rpc, key.address),
                to=key.address,
                data=b"",
                gas=_TRANSFER_GAS,
                fees=await read_fees(rpc, fee_model=FeeModel.EIP1559, tip_wei=_TIP_WEI),
            )
            with pytest.raises(RpcError, match="invalid chain id"):
                await rpc.call("eth_sendRawTransaction", replay.raw_hex)
