"""`omniarb quote` prices a pool of every kind the registry trades and the devnet deploys, and
each pool of the native coin itself (a Uniswap V4 pool's currency 0, address 0), and each
amount equals what the pool pays for that swap through its DEX's router: sent from a trader on
the node (the native coin as the transaction's value), its output measured by the trader's
balance, then rolled back; the answer names the pool's real currency. Nothing here names a
kind: a kind added to both registries is covered as it arrives."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from _snapshots import snapshot
from test_quote_cmd import quote_cli

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.catalog import REFERENCE_PRICES_USD
from omniarb.devnet.kinds import DEVNET_KINDS, devnet_kind
from omniarb.devnet.pricing import amount_for_usd
from omniarb.devnet.record import DevnetRecord, write_record
from omniarb.dex.registry import ADAPTERS
from omniarb.network import ChainManifest, PoolEntry

pytestmark = pytest.mark.integration

# A swap small against every pool's depth, but far above rounding: $2,000 of the input token.
_SWAP_USD = 2_000
_CHAINS = ("ethereum", "bnb")


async def _balance(rpc: RpcClient, token: str, owner: str) -> int:
    answer = await rpc.call(
        "eth_call", {"to": token, "data": encode_call("balanceOf(address)", owner)}, "latest"
    )
    (balance,) = decode(["uint256"], answer)
    return int(balance)


async def _paid_by_router(
    rpc: RpcClient, chain: ChainManifest, pool: PoolEntry, amount_in: int, trader: str
) -> int:
    """What a real swap of `amount_in` token0 through the pool's router pays the trader."""
    kind = devnet_kind(pool.kind)
    router = chain.dex(pool.dex).router
    calldata = kind.swap_calldata(pool, pool.token0, pool.token1, amount_in, trader)
    value = amount_in if int(pool.token0, 16) == 0 else 0  # the native coin itself
    async with snapshot(rpc):
        before = await _balance(rpc, pool.token1, trader)
        tx_hash = await rpc.call(
            "eth_sendTransaction",
            {
                "from": trader,
                "to": router,
                "data": calldata,
                "gas": hex(kind.swap_gas),
                "value": hex(value),
            },
        )
        receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=30.0)
        assert receipt is not None, pool
        assert int(receipt["status"], 16) == 1, (pool, receipt)
        return await _balance(rpc, pool.token1, trader) - before


async def test_quote_prices_every_traded_kind_as_its_router_pays(
    devnet_factory, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    async with devnet_factory(dict.fromkeys(_CHAINS)) as net:
        manifest = tmp_path / "manifest.json"
        net.manifest.write(manifest)
        write_record(
            DevnetRecord(
                pid=os.getpid(),
                manifest=str(manifest),
                started_at=time.time(),
                rpc_http={c.name: c.rpc_http for c in net.manifest.chains},
            ),
            home,
        )
        # One pool of each traded, deployed kind per chain: the first the manifest lists, and
        # every pool of the native coin itself.
        picked: list[tuple[ChainManifest, PoolEntry, int]] = []
        for chain in net.manifest.chains:
            seen: set[str] = set()
            for pool in chain.pools:
                if pool.kind not in ADAPTERS or pool.kind not in DEVNET_KINDS:
                    continue
                coin = int(pool.token0, 16) == 0  # the native coin, named by its symbol
                if pool.kind in seen and not coin:
                    continue
                if not coin:
                    seen.add(pool.kind)
                token = None if coin else chain.token(pool.symbol0)
                asset, decimals = (
                    (pool.symbol0, 18) if token is None else (token.asset, token.decimals)
                )
                amount = amount_for_usd(_SWAP_USD, REFERENCE_PRICES_USD[asset], decimals)
                picked.append((chain, pool, amount))
        assert any(int(pool.token0, 16) == 0 for _, pool, _ in picked)
        kinds = {pool.kind for _, pool, _ in picked}
        assert kinds == set(ADAPTERS) & {p.kind for c in net.manifest.chains for p in c.pools}
        assert len(kinds) >= 3  # at least Uniswap V2, V3 and PancakeSwap V3

        # `token_out` names the pair of a pool of more tokens (a Balancer pool's); a pool of
        # two takes it too.
        lines = [
            json.dumps(
                {
                    "chain": c.name,
                    "pool": p.address,
                    "token_in": p.symbol0,
                    "token_out": p.symbol1,
                    "amount_in": amount,
                }
            )
            for c, p, amount in picked
        ]
        done = quote_cli(home, lines)
        assert done.returncode == 0, (done.stdout, done.stderr)
        answers = [json.loads(line) for line in done.stdout.splitlines()]
        assert len(answers) == len(picked)

        for (chain, pool, amount), answer in zip(picked, answers, strict=True):
            assert (answer["kind"], answer["dex"], answer["pool"], answer["token_out"]) == (
                pool.kind,
                pool.dex,
                pool.address,
                pool.token1,
            )
            # The pool's own currencies, the native coin's address 0 included.
            assert (answer["token_in"], answer["token_out"]) == (pool.token0, pool.token1)
            async with RpcClient(chain.rpc_http) as rpc:
                trader = chain.traders[0]
                paid = await _paid_by_router(rpc, chain, pool, amount, trader)
            assert answer["amount_out"] == paid > 0, (chain.name, pool.kind, pool.address)
