"""The one-batch pool read: request layout, and decoding into V2/V3 states with virtual reserves."""

from __future__ import annotations

from omniarb.chains.abi import encode_args, encode_call
from omniarb.devnet.market._reader import StateReader
from omniarb.network import ChainManifest, DexEntry, PoolEntry, TokenEntry

WETH = TokenEntry(symbol="WETH", address="0x" + "11" * 20, decimals=18, name="W", asset="ETH")
USDC = TokenEntry(symbol="USDC", address="0x" + "22" * 20, decimals=6, name="U", asset="USDC")
V2 = PoolEntry(
    address="0x" + "aa" * 20,
    dex="uniswap-v2",
    kind="uniswap-v2",
    token0=WETH.address,
    token1=USDC.address,
    fee=3000,
    symbol0="WETH",
    symbol1="USDC",
)
V3 = PoolEntry(
    address="0x" + "bb" * 20,
    dex="uniswap-v3",
    kind="uniswap-v3",
    token0=WETH.address,
    token1=USDC.address,
    fee=500,
    symbol0="WETH",
    symbol1="USDC",
    tick_spacing=10,
)
CHAIN = ChainManifest(
    chain_id=1,
    name="ethereum",
    rpc_http="",
    rpc_ws="",
    tokens=(WETH, USDC),
    dexes=(
        DexEntry(name="uniswap-v2", kind="uniswap-v2", factory="0x", router="0x"),
        DexEntry(name="uniswap-v3", kind="uniswap-v3", factory="0x", router="0x"),
    ),
    pools=(V2, V3),
    deployer="0x",
    traders=(),
)


def hexed(types: list[str], values: list[object]) -> str:
    return "0x" + encode_args(types, values).hex()


def test_one_batch_reads_the_block_and_every_pool() -> None:
    requests = StateReader(CHAIN).requests
    assert requests[0] == ("eth_getBlockByNumber", ["latest", False])
    calls = [(params[0]["to"], params[0]["data"]) for _, params in requests[1:]]
    assert calls == [
        (V2.address, encode_call("getReserves()")),
        (V3.address, encode_call("slot0()")),
        (V3.address, encode_call("liquidity()")),
        (WETH.address, encode_call("balanceOf(address)", V3.address)),
        (USDC.address, encode_call("balanceOf(address)", V3.address)),
    ]


def test_answers_become_states_with_virtual_reserves() -> None:
    sqrt_price_x96 = 2**96 * 3  # price 9 raw units of token1 per raw unit of token0
    liquidity = 10**20
    answers = [
        {"number": "0x2a", "baseFeePerGas": "0x7"},
        hexed(["uint112", "uint112", "uint32"], [5 * 10**18, 15_000 * 10**6, 0]),
        hexed(
            ["uint160", "int24", "uint16", "uint16", "uint16", "uint8", "bool"],
            [sqrt_price_x96, 21972, 0, 1, 1, 0, True],
        ),
        hexed(["uint128"], [liquidity]),
        hexed(["uint256"], [4 * 10**18]),
        hexed(["uint256"], [123 * 10**6]),
    ]
    state = StateReader(CHAIN).parse(answers)
    assert (state.block_number, state.base_fee_wei) == (42, 7)
    v2, v3 = state.pools
    assert (v2.balance0, v2.balance1) == (v2.virtual0, v2.virtual1) == (5 * 10**18, 15_000 * 10**6)
    assert (v2.asset0, v2.decimals1, v2.fee_pips) == ("ETH", 6, 3000)
    assert (v3.balance0, v3.balance1) == (4 * 10**18, 123 * 10**6)
    assert (v3.virtual0, v3.virtual1) == (liquidity // 3, liquidity * 3)
    assert v3.virtual1 / v3.virtual0 == 9.0


DAI = TokenEntry(symbol="DAI", address="0x" + "33" * 20, decimals=18, name="D", asset="DAI")
USDT = TokenEntry(symbol="USDT", address="0x" + "44" * 20, decimals=6, name="T", asset="USDT")
VAULT = "0x" + "99" * 20
WEIGHTED_POOL = "0x" + "cc" * 20
STABLE_POOL = "0x" + "dd" * 20


def _balancer_entry(
    kind: str, address: str, a: TokenEntry, b: TokenEntry, pool_id: str
) -> PoolEntry:
    return PoolEntry(
        address=address,
        dex=kind,
        kind=kind,
        token0=a.address,
        token1=b.address,
        fee=3000,
        symbol0=a.symbol,
        symbol1=b.symbol,
        pool_id=pool_id,
    )


def test_balancer_pairs_read_the_vault_and_the_pool() -> None:
    """A Balancer pair reads its pool's balances from the Vault (by pool id) and its weights or
    amplification from the pool; a 3-token pool's pairs are separate entries of one address."""
    weighted_id = "0x" + WEIGHTED_POOL[2:] + "0002" + "00" * 10
    stable_id = "0x" + STABLE_POOL[2:] + "00" * 12
    weighted = _balancer_entry("balancer-weighted", WEIGHTED_POOL, WETH, USDC, weighted_id)
    stable_pairs = [
        _balancer_entry("balancer-stable", STABLE_POOL, a, b, stable_id)
        for a, b in ((USDC, DAI), (USDC, USDT), (DAI, USDT))
    ]
    chain = ChainManifest(
        chain_id=1,
        name="ethereum",
        rpc_http="",
        rpc_ws="",
        tokens=(WETH, USDC, DAI, USDT),
        dexes=tuple(
            DexEntry(name=kind, kind=kind, factory=VAULT, router=VAULT)
            for kind in ("balancer-weighted", "balancer-stable")
        ),
        pools=(weighted, *stable_pairs),
        deployer="0x",
        traders=(),
    )
    reader = StateReader(chain)
    calls = [(params[0]["to"], params[0]["data"]) for _, params in reader.requests[1:]]
    get_tokens = "getPoolTokens(bytes32)"
    assert calls[:2] == [
        (VAULT, encode_call(get_tokens, bytes.fromhex(weighted_id[2:]))),
        (WEIGHTED_POOL, encode_call("getNormalizedWeights()")),
    ]
    assert calls[2:6] == [
        (VAULT, encode_call(get_tokens, bytes.fromhex(stable_id[2:]))),
        (STABLE_POOL, encode_call("getAmplificationParameter()")),
        (STABLE_POOL, encode_call("getScalingFactors()")),
        (STABLE_POOL, encode_call("getSwapFeePercentage()")),
    ]
    assert len(calls) == 2 + 3 * 4

    weighted_answers = [
        hexed(
            ["address[]", "uint256[]", "uint256"],
            [[WETH.address, USDC.address], [800 * 10**18, 600_000 * 10**6], 1],
        ),
        hexed(["uint256[]"], [[8 * 10**17, 2 * 10**17]]),
    ]
    stable_tokens = [USDC.address, DAI.address, STABLE_POOL, USDT.address]
    stable_answers = [
        hexed(
            ["address[]", "uint256[]", "uint256"],
            [stable_tokens, [10**12, 10**24, 2**111, 10**12], 1],
        ),
        hexed(["uint256", "bool", "uint256"], [200_000, False, 1000]),
        hexed(["uint256[]"], [[10**30, 10**18, 10**18, 10**30]]),
        hexed(["uint256"], [10**14]),
    ]
    state = reader.parse([{"number": "0x2a"}, *weighted_answers, *stable_answers * 3])
    w, *stables = state.pools
    # Weighted 80/20: the constant-product pool with its price and price impact.
    assert (w.balance0, w.balance1) == (800 * 10**18, 600_000 * 10**6)
    assert (w.virtual0, w.virtual1) == (2 * 800 * 10**18 * 2 // 10, 2 * 600_000 * 10**6 * 8 // 10)
    assert w.price() == 3000.0
    assert len({p.key for p in stables}) == 3
    for pair in stables:
        # A balanced stable pair is priced at par and much deeper than its balances.
        assert abs(pair.price() - 1) < 1e-9
        assert pair.virtual0 > 100 * pair.balance0
