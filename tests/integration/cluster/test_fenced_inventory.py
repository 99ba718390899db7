"""The coordinator's inventory signers behind their leases, on the real Redis: a signer of a
(chain, inventory address) whose lease is held signs exactly as the key does; once the lease is
released it refuses; a chain whose lease the coordinator does not hold gets no signer."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from _servers import DEFAULT_REDIS_URL, REDIS_URL_ENV

from omniarb.chains.fees import Eip1559Fees
from omniarb.cluster.fenced_access import FencedInventoryAccess, inventory_lease_name
from omniarb.cluster.lease import SignerLease
from omniarb.devnet.accounts import dev_account
from omniarb.errors import StaleLeaseError
from omniarb.execute.signer import Signer
from omniarb.network import ChainManifest

REDIS_URL = os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)
# anvil's account 0: a public test key.
KEY = dev_account(0).private_key
FEES = Eip1559Fees(max_fee_per_gas_wei=2_000_000_000, max_priority_fee_per_gas_wei=1_000_000)


class KeyAccess:
    """The inventory key on every chain (what `DevnetAccess` gives on the devnet)."""

    def inventory_signer(self, chain: ChainManifest) -> Signer:
        return Signer(KEY, chain_id=chain.chain_id)


def chain(name: str, chain_id: int) -> ChainManifest:
    return ChainManifest(
        chain_id=chain_id, name=name, rpc_http="http://127.0.0.1:1", rpc_ws="ws://127.0.0.1:1",
        tokens=(), dexes=(), pools=(), deployer="0x" + "00" * 20, traders=(),
    )  # fmt: skip


@pytest.fixture
async def client() -> AsyncIterator[tuple[aioredis.Redis, str]]:
    prefix = f"t-{uuid.uuid4().hex[:8]}:"
    redis = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    yield redis, prefix
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


async def test_signs_only_under_its_lease(client: tuple[aioredis.Redis, str]) -> None:
    redis, prefix = client
    ethereum, arbitrum = chain("ethereum", 1), chain("arbitrum", 42161)
    address = Signer(KEY, chain_id=1).address
    name = inventory_lease_name("ethereum", address)
    assert name == f"inventory:ethereum:{address.lower()}"
    lease = SignerLease(redis, name=name, holder="coord-a", ttl_s=5.0, key_prefix=prefix)
    access = FencedInventoryAccess(KeyAccess(), {name: lease})
    with pytest.raises(StaleLeaseError, match="arbitrum"):
        access.inventory_signer(arbitrum)
    fenced = access.inventory_signer(ethereum)
    assert fenced.address == address

    def sign(signer: Signer) -> str:
        return signer.sign(nonce=3, to=address, data=b"\x01", gas=21_000, fees=FEES).raw_hex

    with pytest.raises(StaleLeaseError):
        sign(fenced)  # not acquired yet
    assert await lease.acquire() is not None
    assert sign(fenced) == sign(Signer(KEY, chain_id=1))
    await lease.release()
    with pytest.raises(StaleLeaseError):
        sign(fenced)
