"""The SafeTx digest we sign equals what the deployed Safe 1.4.1 computes (`getTransactionHash`,
`domainSeparator`), on the devnet Safes, which are real Safe 1.4.1 proxies: `Safe` on Ethereum,
`SafeL2` on an L2, set up 2-of-3 with the devnet's owner accounts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.custody.safe_owner import read_safe
from omniarb.custody.safe_tx import Operation, SafeTx
from omniarb.devnet.accounts import SAFE_OWNER_INDICES, dev_account
from omniarb.paths import node_modules

pytestmark = pytest.mark.integration

_ARTIFACTS = node_modules() / "@safe-global/safe-contracts/build/artifacts/contracts"
_GET_TX_HASH = (
    "getTransactionHash("
    + ",".join(
        ("address", "uint256", "bytes", "uint8", *("uint256",) * 3, "address", "address", "uint256")
    )
    + ")"
)
_addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
_uint = st.integers(min_value=0, max_value=2**256 - 1)


async def _view(rpc: RpcClient, to: str, data: str, out: str) -> Any:
    return decode([out], await rpc.call("eth_call", {"to": to, "data": data}, "latest"))[0]


async def _their_hash(rpc: RpcClient, tx: SafeTx) -> bytes:
    data = encode_call(
        _GET_TX_HASH,
        tx.to,
        tx.value,
        tx.data,
        int(tx.operation),
        tx.safe_tx_gas,
        tx.base_gas,
        tx.gas_price,
        tx.gas_token,
        tx.refund_receiver,
        tx.nonce,
    )
    return bytes(await _view(rpc, tx.safe, data, "bytes32"))


def _runtime(name: str) -> str:
    path = _ARTIFACTS / f"{name}.sol/{name}.json"
    return str(json.loads(path.read_text())["deployedBytecode"]).lower()


async def test_the_devnet_safes_are_2_of_3_safe_1_4_1(devnet_factory: Any) -> None:
    async with devnet_factory({"ethereum": None, "arbitrum": None}) as net:
        for name, singleton in (("ethereum", "Safe"), ("arbitrum", "SafeL2")):
            chain = net.manifest.chain(name)
            assert chain.safe is not None
            async with RpcClient(chain.rpc_http) as rpc:
                owners, threshold, nonce = await read_safe(rpc, chain.safe.address)
                expected = [dev_account(i).address for i in SAFE_OWNER_INDICES]
                assert sorted(owners) == sorted(expected) == sorted(chain.safe.owners)
                assert threshold == 2 == chain.safe.threshold
                assert nonce == 0
                version = await _view(rpc, chain.safe.address, encode_call("VERSION()"), "string")
                assert version == "1.4.1"
                # The proxy's first storage slot is its singleton (SafeProxy.sol).
                slot0 = await rpc.call("eth_getStorageAt", chain.safe.address, "0x0", "latest")
                assert int(slot0, 16) == int(chain.safe.singleton, 16)
                code = await rpc.call("eth_getCode", chain.safe.singleton, "latest")
                assert code.lower() == _runtime(singleton)


async def test_our_safe_tx_digest_equals_get_transaction_hash(devnet_factory: Any) -> None:
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        assert chain.safe is not None
        safe = chain.safe.address
        async with RpcClient(chain.rpc_http) as rpc:
            separator = await _view(rpc, safe, encode_call("domainSeparator()"), "bytes32")
            plain = SafeTx(safe=safe, chain_id=chain.chain_id, to=chain.tokens[0].address, nonce=0)
            assert plain.domain_separator() == bytes(separator)
            assert plain.digest() == await _their_hash(rpc, plain)
            # Hypothesis drives the async check through one event loop: collect, then compare.
            cases: list[SafeTx] = []

            @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
            @given(
                to=_addresses,
                value=_uint,
                data=st.binary(max_size=200),
                operation=st.sampled_from(Operation),
                gas=st.tuples(_uint, _uint, _uint),
                gas_token=_addresses,
                refund_receiver=_addresses,
                nonce=_uint,
            )
            def collect(
                to: str,
                value: int,
                data: bytes,
                operation: Operation,
                gas: tuple[int, int, int],
                gas_token: str,
                refund_receiver: str,
                nonce: int,
            ) -> None:
                cases.append(
                    SafeTx(
                        safe=safe,
                        chain_id=chain.chain_id,
                        to=to,
                        value=value,
                        data=data,
                        operation=operation,
                        safe_tx_gas=gas[0],
                        base_gas=gas[1],
                        gas_price=gas[2],
                        gas_token=gas_token,
                        refund_receiver=refund_receiver,
                        nonce=nonce,
                    )
                )

            collect()
            assert len(cases) == 40
            for case in cases:
                assert case.digest() == await _their_hash(rpc, case), case
