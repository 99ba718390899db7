"""The devnet's trap tokens (`[devnet] traps`) do on chain what they are built to: a trader who
buys FEE5 receives 5% less than the pair sent and pays 5% on a transfer; HONEY can be bought
and moved but not sold; PAUSE can be neither bought nor moved; whoever buys BLOCK can move it no
more. Their pairs price them 10% apart between WETH and USDC. Without `traps` there are none."""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import DEADLINE, automine, balances_of, read
from _receipts import mined_receipt

from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.market import MarketActivity, MarketParams
from omniarb.devnet.traps import is_trap_pool
from omniarb.network import ChainManifest

pytestmark = pytest.mark.integration

SWAP = "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"
FRIEND = "0x00000000000000000000000000000000000f4e4d"


async def _tx(rpc: RpcClient, sender: str, to: str, data: str) -> dict[str, Any]:
    tx_hash = await rpc.call(
        "eth_sendTransaction", {"from": sender, "to": to, "data": data, "gas": hex(600_000)}
    )
    return await mined_receipt(rpc, tx_hash, succeeded=False)


def _ok(receipt: dict[str, Any]) -> bool:
    return int(receipt["status"], 16) == 1


async def _swap(rpc: RpcClient, chain: ChainManifest, trader: str, path: list[str], amount: int):
    addresses = [chain.token(s).address for s in path]
    data = encode_call(SWAP, amount, 0, addresses, trader, DEADLINE)
    return await _tx(rpc, trader, chain.dex("uniswap-v2").router, data)


async def test_trap_tokens_behave_as_built(devnet_factory) -> None:
    async with devnet_factory(automine("ethereum"), traps=True) as net:
        chain = net.manifest.chain("ethereum")
        trader = chain.traders[0]
        router = chain.dex("uniswap-v2").router
        async with RpcClient(chain.rpc_http) as rpc:
            for symbol in ("FEE5", "HONEY", "PAUSE", "BLOCK"):
                pairs = [p for p in chain.pools if symbol in (p.symbol0, p.symbol1)]
                assert sorted(p.symbol0 if p.symbol1 == symbol else p.symbol1 for p in pairs) == [
                    "USDC",
                    "WETH",
                ]
                assert {p.dex for p in pairs} == {"uniswap-v2"}
                token = chain.token(symbol).address
                await _tx(
                    rpc, trader, token, encode_call("approve(address,uint256)", router, 2**256 - 1)
                )
                # The pair pays for 1 WETH what the cycle WETH -> token -> USDC shows as ~10% more.
                (quoted,) = await read(
                    rpc,
                    router,
                    "getAmountsOut(uint256,address[])",
                    ["uint256[]"],
                    10**18,
                    [chain.token(s).address for s in ("WETH", symbol, "USDC")],
                )
                usdc_per_weth = 3000 * 10**6
                assert quoted[-1] > usdc_per_weth * 105 // 100, symbol

            fee5 = chain.token("FEE5").address
            (before,) = await balances_of(rpc, trader, [fee5])
            (amounts,) = await read(
                rpc,
                router,
                "getAmountsOut(uint256,address[])",
                ["uint256[]"],
                10**16,
                [chain.token("WETH").address, fee5],
            )
            assert _ok(await _swap(rpc, chain, trader, ["WETH", "FEE5"], 10**16))
            (after,) = await balances_of(rpc, trader, [fee5])
            # The pair sent what it quoted; 5% of it went to the token's owner on the way.
            assert after - before == amounts[-1] - amounts[-1] * 500 // 10_000
            before = after
            # A plain transfer from the deployer's stock is taxed 5% at the recipient.
            await _tx(
                rpc, chain.deployer, fee5, encode_call("transfer(address,uint256)", trader, 10**18)
            )
            (held,) = await balances_of(rpc, trader, [fee5])
            assert held - before == 10**18  # from the owner: untaxed
            assert _ok(
                await _tx(
                    rpc, trader, fee5, encode_call("transfer(address,uint256)", FRIEND, 10**18)
                )
            )
            (friend,) = await balances_of(rpc, FRIEND, [fee5])
            assert friend == 10**18 * 95 // 100

            honey = chain.token("HONEY").address
            assert _ok(await _swap(rpc, chain, trader, ["WETH", "HONEY"], 10**16))
            (got,) = await balances_of(rpc, trader, [honey])
            assert got > 0
            assert _ok(
                await _tx(
                    rpc, trader, honey, encode_call("transfer(address,uint256)", FRIEND, got // 2)
                )
            )
            assert not _ok(await _swap(rpc, chain, trader, ["HONEY", "WETH"], got // 4))

            assert not _ok(await _swap(rpc, chain, trader, ["WETH", "PAUSE"], 10**16))

            block = chain.token("BLOCK").address
            assert _ok(await _swap(rpc, chain, trader, ["WETH", "BLOCK"], 10**16))
            (got,) = await balances_of(rpc, trader, [block])
            assert got > 0
            (listed,) = await read(rpc, block, "blacklisted(address)", ["bool"], trader)
            assert listed
            assert not _ok(
                await _tx(rpc, trader, block, encode_call("transfer(address,uint256)", FRIEND, got))
            )


async def test_without_traps_there_are_none(devnet_factory) -> None:
    async with devnet_factory(automine("ethereum")) as net:
        chain = net.manifest.chain("ethereum")
        symbols = {t.symbol for t in chain.tokens}
        assert not symbols & {"FEE5", "HONEY", "PAUSE", "BLOCK"}


async def test_the_market_runs_beside_the_traps_and_never_trades_them(devnet_factory) -> None:
    async with devnet_factory({"ethereum": 0.2}, traps=True) as net:
        market = MarketActivity(net.manifest, MarketParams(seed=5, swaps_per_block=6))
        await market.run(steps=4)
        stats = market.snapshot().chain("ethereum")
        log = market.swap_log("ethereum")
        assert stats.swaps_failed == 0
        assert stats.swaps_mined == len(log) >= 4 * 6
        chain = net.manifest.chain("ethereum")
        traps = {p.address.lower() for p in chain.pools if is_trap_pool("ethereum", p)}
        assert len(traps) == 8
        assert not {s.pool.lower() for s in log} & traps
        assert {s.pool.lower() for s in log}  # the record names pools by address
