"""Discovery through the deployless lenses on a real devnet chain: exactly the manifest's V2
pairs, their tokens, and reserves equal to `getReserves()` at the pinned block; paging does not
change the answer; the reserves lens marks non-pairs; the page limits are the node's."""

from __future__ import annotations

import random

import pytest
from _state_helpers import (
    add_liquidity,
    get_reserves,
    latest_block,
    receipt,
    send_swap,
    v2_factories,
    v2_pools,
)

from omniarb.chains.abi import encode_args
from omniarb.chains.rpc import RpcClient
from omniarb.contracts import load_artifact
from omniarb.dex.uniswap_v2.discovery import DiscoverySettings, V2Discovery
from omniarb.dex.uniswap_v2.lens import MAX_RESERVES_PER_CALL
from omniarb.errors import ExecutionRevertedError

pytestmark = pytest.mark.integration


async def test_discovery_finds_exactly_the_manifest_pairs(devnet_factory) -> None:
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        async with RpcClient(chain.rpc_http) as rpc:
            discovery = V2Discovery(rpc=rpc, chain_id=1, factories=v2_factories(chain))
            snapshot = await discovery.discover()
            assert snapshot.block_number == await latest_block(rpc)
            header = await rpc.call("eth_getBlockByNumber", hex(snapshot.block_number), False)
            assert snapshot.block_hash == header["hash"]
            assert snapshot.base_fee_wei == int(header["baseFeePerGas"], 16) > 0
            expected = {p.address: p for p in v2_pools(chain)}
            assert len(expected) == 18
            assert {s.address for s in snapshot.pools} == set(expected)
            for state in snapshot.pools:
                entry = expected[state.address]
                assert (state.token0, state.token1) == (entry.token0, entry.token1)
                assert state.dex == entry.dex
                assert state.factory == chain.dex(entry.dex).factory
                assert (state.fee_bps, state.chain_id) == (30, 1)
                assert state.block_number == snapshot.block_number
                reserves = await get_reserves(rpc, state.address, snapshot.block_number)
                assert (state.reserve0, state.reserve1) == reserves
                assert min(reserves) > 0


async def test_paging_and_pinning(devnet_factory) -> None:
    """Tiny pages in tiny batches give the same snapshot; an older block gives older reserves."""
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        async with RpcClient(chain.rpc_http) as rpc:
            default = V2Discovery(rpc=rpc, chain_id=1, factories=v2_factories(chain))
            paged = V2Discovery(
                rpc=rpc,
                chain_id=1,
                factories=v2_factories(chain),
                settings=DiscoverySettings(
                    pairs_per_call=4, calls_per_request=2, concurrent_requests=2
                ),
            )
            before = await default.discover()
            assert (await paged.discover()).pools == before.pools
            rng = random.Random(5)
            for trader in range(1, 9):
                await receipt(rpc, await send_swap(rpc, chain, rng, trader))
            after = await paged.discover()
            assert after.block_number == before.block_number + 8
            assert after.pools != before.pools
            assert (await default.discover(before.block_number)).pools == before.pools


async def test_reserves_lens_reads_pairs_and_marks_the_rest(devnet_factory) -> None:
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        async with RpcClient(chain.rpc_http) as rpc:
            discovery = V2Discovery(rpc=rpc, chain_id=1, factories=v2_factories(chain))
            block = await latest_block(rpc)
            pairs = [p.address for p in v2_pools(chain)]
            no_code = "0x" + "12" * 20
            not_a_pair = chain.token("USDC").address
            reserves = await discovery.read_reserves([no_code, *pairs, not_a_pair], block)
            assert reserves[no_code] is None
            assert reserves[not_a_pair] is None
            for pair in pairs:
                assert reserves[pair] == await get_reserves(rpc, pair, block)


async def test_page_limits_are_the_nodes_code_size_limit(devnet_factory) -> None:
    """A reserves page of MAX_RESERVES_PER_CALL is accepted and one more pair is refused:
    the lens output is the created contract's code, capped at 24,576 bytes (EIP-170)."""
    code = load_artifact("V2ReservesLens").bytecode
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        pairs = [p.address for p in v2_pools(chain)]
        async with RpcClient(chain.rpc_http) as rpc:
            for count, accepted in (
                (MAX_RESERVES_PER_CALL, True),
                (MAX_RESERVES_PER_CALL + 1, False),
            ):
                batch = [pairs[i % len(pairs)] for i in range(count)]
                data = code + encode_args(["address[]"], [batch]).hex()
                if accepted:
                    answer = await rpc.call("eth_call", {"data": data}, "latest")
                    assert len(answer) == 2 + 2 * (32 + 28 * count)
                else:
                    with pytest.raises(ExecutionRevertedError, match="CreateContractSizeLimit"):
                        await rpc.call("eth_call", {"data": data}, "latest")


async def test_pairs_lens_clamps_pages_past_the_end(devnet_factory) -> None:
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        factory = chain.dexes[0].factory
        async with RpcClient(chain.rpc_http) as rpc:
            discovery = V2Discovery(rpc=rpc, chain_id=1, factories=v2_factories(chain))
            answers = await rpc.batch(
                [
                    ("eth_call", [discovery.lens.pairs_call(factory, start, count), "latest"])
                    for start, count in ((7, 5), (9, 3), (50, 1))
                ]
            )
            pages = [discovery.lens.decode_pairs(a) for a in answers]
            assert [(p.start, p.pairs_length, len(p.pairs)) for p in pages] == [
                (7, 9, 2),
                (9, 9, 0),
                (9, 9, 0),
            ]
            # A new pair through the router's addLiquidity extends allPairs by one.
            await receipt(rpc, await add_liquidity(rpc, chain, chain.dexes[0].name, "LINK", "UNI"))
            page = discovery.lens.decode_pairs(
                await rpc.call("eth_call", discovery.lens.pairs_call(factory, 9, 10), "latest")
            )
            assert page.pairs_length == 10
            assert len(page.pairs) == 1
            link, uni = chain.token("LINK").address, chain.token("UNI").address
            assert {page.pairs[0].token0, page.pairs[0].token1} == {link, uni}
