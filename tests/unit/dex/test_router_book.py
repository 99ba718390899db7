"""The router book sends a call to its router's decoder and says what it asks for: the swaps,
with the DEX and pool kind of every hop (from the pool the call names, else from the router's
DEXes), or why there are none (`not-a-router`, `unknown-function`, `malformed`), each outcome
counted; a decoder that raises is counted as malformed, logged once per kind, never passed on;
random calls never raise. Calldata is built from the routers' real ABIs."""

from __future__ import annotations

import logging

import pytest
from _abi_calls import AbiCalls
from eth_utils.address import to_checksum_address
from hypothesis import given
from hypothesis import strategies as st

from omniarb.chains.abi import selector
from omniarb.dex.router_book import OUTCOMES, DecodeCounts, RouterBook, RouterRoute
from omniarb.dex.router_decoder import RouterDecoder
from omniarb.dex.router_swap import RouterSwap
from omniarb.dex.uniswap_v4.pool_key import PoolKey, pool_address
from omniarb.errors import ConfigError
from omniarb.network import ChainManifest, DexEntry, PoolEntry, RouterEntry, TokenEntry

V2 = AbiCalls.npm("@uniswap/v2-periphery/build/UniswapV2Router02.json")
VAULT = AbiCalls.npm("@balancer-labs/v2-deployments/dist/tasks/20210418-vault/artifact/Vault.json")
PANCAKE = AbiCalls.built("PancakeV3DevRouter")
V4 = AbiCalls.npm("@uniswap/v4-core/out/PoolSwapTest.sol/PoolSwapTest.json")

WETH = "0x" + "0a" * 20
USDC = "0x" + "0b" * 20
DAI = "0x" + "0c" * 20
NATIVE = "0x" + "00" * 20
TO = "0x" + "dd" * 20
UNI_ROUTER = "0x" + "11" * 20
SUSHI_ROUTER = "0x" + "ab" * 20
VAULT_ADDRESS = "0x" + "13" * 20
PANCAKE_ROUTER = "0x" + "14" * 20
V4_ROUTER = "0x" + "15" * 20
STABLE_POOL = "0x" + "51" * 20
STABLE_ID = "0x" + "51" * 20 + "0000" + "00" * 9 + "07"
PANCAKE_POOL = "0x" + "61" * 20
V4_KEY = (NATIVE, USDC, 3000, 60, NATIVE)
FUNDS = (TO, False, TO, False)


def _v4_address() -> str:
    return pool_address(PoolKey.of(NATIVE, USDC, fee=3000, tick_spacing=60).pool_id)


def _dex(name: str, kind: str, router: str) -> DexEntry:
    return DexEntry(name=name, kind=kind, factory="0x" + "ff" * 20, router=router)


def _pool(
    address: str, dex: str, kind: str, token0: str, token1: str, pool_id: str | None = None
) -> PoolEntry:
    return PoolEntry(
        address=address,
        dex=dex,
        kind=kind,
        token0=token0,
        token1=token1,
        fee=3000,
        symbol0="A",
        symbol1="B",
        pool_id=pool_id,
    )


CHAIN = ChainManifest(
    chain_id=1,
    name="ethereum",
    rpc_http="",
    rpc_ws="",
    tokens=(
        TokenEntry(
            symbol="WETH", address=WETH, decimals=18, name="W", asset="ETH", wrapped_native=True
        ),
        TokenEntry(symbol="USDC", address=USDC, decimals=6, name="U", asset="USD"),
    ),
    dexes=(
        _dex("uniswap-v2", "uniswap-v2", UNI_ROUTER),
        _dex("sushiswap", "uniswap-v2", to_checksum_address(SUSHI_ROUTER)),
        _dex("balancer-weighted", "balancer-weighted", VAULT_ADDRESS),
        _dex("balancer-stable", "balancer-stable", VAULT_ADDRESS),
        _dex("pancakeswap-v3", "pancakeswap-v3", PANCAKE_ROUTER),
        _dex("uniswap-v4", "uniswap-v4", V4_ROUTER),
        _dex("velodrome", "velodrome", "0x" + "16" * 20),  # a kind with no decoder: left out
    ),
    pools=(
        _pool(STABLE_POOL, "balancer-stable", "balancer-stable", USDC, DAI, pool_id=STABLE_ID),
        _pool(PANCAKE_POOL, "pancakeswap-v3", "pancakeswap-v3", USDC, WETH),
        _pool(_v4_address(), "uniswap-v4", "uniswap-v4", NATIVE, USDC),
    ),
    deployer="",
    traders=(),
    routers=(RouterEntry(kind="not-registered-yet", address="0x" + "17" * 20, dexes=("x",)),),
)


def _book() -> tuple[RouterBook, DecodeCounts]:
    counts = DecodeCounts()
    return RouterBook.from_manifest(CHAIN, observer=counts), counts


def test_the_book_knows_each_router_once_with_the_dexes_it_routes() -> None:
    book, _ = _book()
    routes = book.routes
    assert set(routes) == {UNI_ROUTER, SUSHI_ROUTER, VAULT_ADDRESS, PANCAKE_ROUTER, V4_ROUTER}
    assert routes[VAULT_ADDRESS].kind == "balancer-v2-vault"
    assert routes[VAULT_ADDRESS].dexes == ("balancer-weighted", "balancer-stable")
    assert routes[SUSHI_ROUTER].kind == "uniswap-v2-router02"
    assert routes[SUSHI_ROUTER].dexes == ("sushiswap",)


def test_a_fork_router_swap_goes_through_that_fork() -> None:
    book, counts = _book()
    data = V2.call("swapExactTokensForTokens", 10**18, 1, [WETH, USDC, DAI], TO, 10)
    call = book.decode(to_checksum_address(SUSHI_ROUTER), data, 0)
    assert (call.outcome, call.router, call.router_kind) == (
        "swaps",
        SUSHI_ROUTER,
        "uniswap-v2-router02",
    )
    (routed,) = call.swaps
    assert routed.dexes == ("sushiswap", "sushiswap")
    assert (routed.dex, routed.pool_kind, routed.pools) == ("sushiswap", "uniswap-v2", ("", ""))
    assert counts.count("swaps", "uniswap-v2-router02") == 1


def test_a_vault_swap_goes_through_the_dex_of_the_pool_it_names() -> None:
    book, _ = _book()
    single = (bytes.fromhex(STABLE_ID[2:]), 0, USDC, DAI, 10**6, b"")
    call = book.decode(VAULT_ADDRESS, VAULT.call("swap", single, FUNDS, 0, 10), 0)
    (routed,) = call.swaps
    assert (routed.dex, routed.pool_kind, routed.pools) == (
        "balancer-stable",
        "balancer-stable",
        (STABLE_POOL,),
    )
    unknown = (bytes(32), 0, USDC, DAI, 10**6, b"")  # a pool the manifest does not list
    (routed,) = book.decode(VAULT_ADDRESS, VAULT.call("swap", unknown, FUNDS, 0, 10), 0).swaps
    assert (routed.dex, routed.pool_kind) == ("", "")  # two DEXes: the book cannot tell


def test_a_dev_router_swap_is_completed_with_its_pools_other_token() -> None:
    book, _ = _book()
    call = book.decode(PANCAKE_ROUTER, PANCAKE.call("swap", PANCAKE_POOL, WETH, 10**18, TO), 0)
    (routed,) = call.swaps
    assert [t.lower() for t in routed.swap.path] == [WETH, USDC]
    assert (routed.dex, routed.pools) == ("pancakeswap-v3", (PANCAKE_POOL,))


def test_a_v4_swap_finds_its_pool_by_the_ids_leading_bytes_and_names_native_by_weth() -> None:
    book, _ = _book()
    data = V4.call("swap", V4_KEY, (True, -(10**18), 4295128740), (False, False), b"")
    (routed,) = book.decode(V4_ROUTER, data, 10**18).swaps
    assert [t.lower() for t in routed.swap.path] == [WETH, USDC]
    assert routed.swap.native_in is True
    assert (routed.dex, routed.pool_kind) == ("uniswap-v4", "uniswap-v4")
    assert routed.pools == (_v4_address(),)


def test_calls_without_a_swap_say_why_and_are_counted() -> None:
    book, counts = _book()
    swap = V2.call("swapExactTokensForTokens", 10**18, 1, [WETH, USDC], TO, 10)
    assert book.decode(None, swap, 0).outcome == "not-a-router"
    assert book.decode(TO, swap, 0).outcome == "not-a-router"
    assert book.decode("0x" + "16" * 20, swap, 0).outcome == "not-a-router"  # no decoder
    approve = selector("approve(address,uint256)") + bytes(64)
    assert book.decode(UNI_ROUTER, approve, 0).outcome == "unknown-function"
    assert book.decode(UNI_ROUTER, b"\x38", 0).outcome == "unknown-function"
    malformed = book.decode(UNI_ROUTER, swap[:40], 0)
    assert (malformed.outcome, malformed.router_kind) == ("malformed", "uniswap-v2-router02")
    assert malformed.swaps == ()
    assert counts.count("not-a-router") == 3
    assert counts.count("unknown-function", "uniswap-v2-router02") == 2
    assert counts.count("malformed") == 1
    assert counts.snapshot() == {
        ("not-a-router", ""): 3,
        ("unknown-function", "uniswap-v2-router02"): 2,
        ("malformed", "uniswap-v2-router02"): 1,
    }


def test_a_decoder_that_raises_is_counted_malformed_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    head = selector("boom()")

    def boom(data: bytes, *, value_wei: int, wrapped_native: str | None) -> tuple[RouterSwap, ...]:
        raise ZeroDivisionError("a decoder bug")

    buggy = RouterDecoder(kind="buggy", selectors=frozenset((head,)), decode=boom)
    book = RouterBook(routes=[RouterRoute(address=TO, decoder=buggy, dexes=())], dex_kinds={})
    with caplog.at_level(logging.ERROR, logger="omniarb.dex.router_book"):
        outcomes = [book.decode(TO, head, 0).outcome for _ in range(3)]
    assert outcomes == ["malformed"] * 3
    assert len([r for r in caplog.records if "buggy" in r.getMessage()]) == 1
    assert isinstance(book.observer, DecodeCounts)
    assert book.observer.count("malformed", "buggy") == 3


def test_one_address_listed_as_two_kinds_of_router_is_refused() -> None:
    clash = ChainManifest(
        chain_id=1,
        name="ethereum",
        rpc_http="",
        rpc_ws="",
        tokens=(),
        dexes=(_dex("a", "uniswap-v2", UNI_ROUTER), _dex("b", "uniswap-v3", UNI_ROUTER)),
        pools=(),
        deployer="",
        traders=(),
    )
    with pytest.raises(ConfigError, match="uniswap-v2-router02 and as uniswap-v3-swap-router"):
        RouterBook.from_manifest(clash)


_ROUTERS = [UNI_ROUTER, VAULT_ADDRESS, PANCAKE_ROUTER, V4_ROUTER, TO]
_CALLS = [
    V2.call("swapExactETHForTokens", 1, [WETH, USDC], TO, 10),
    VAULT.call("batchSwap", 0, [(bytes(32), 0, 1, 5, b"")], [NATIVE, USDC], FUNDS, [5, 0], 10),
    PANCAKE.call("swap", PANCAKE_POOL, USDC, 10**6, TO),
    V4.call("swap", V4_KEY, (False, 10**6, 0), (False, False), b""),
]


@given(
    st.sampled_from(_ROUTERS),
    st.one_of(
        st.binary(max_size=600),
        st.tuples(
            st.sampled_from(_CALLS), st.integers(min_value=0, max_value=700), st.binary(max_size=8)
        ).map(lambda t: t[0][: t[1]] + t[2]),
    ),
    st.integers(min_value=0, max_value=10**20),
)
def test_random_and_truncated_calls_through_the_book_never_raise(
    to: str, data: bytes, value_wei: int
) -> None:
    book, counts = _book()
    call = book.decode(to, data, value_wei)
    assert call.outcome in OUTCOMES
    assert (call.outcome == "swaps") == bool(call.swaps)
    assert sum(counts.snapshot().values()) == 1
