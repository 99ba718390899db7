"""Algebra Integral on the devnet: the core from `@cryptoalgebra/integral-core` 1.2.10
(AlgebraFactory, AlgebraPoolDeployer, a community vault behind the vault factory stub) and the
periphery from `@cryptoalgebra/integral-periphery` 1.2.4 (NonfungiblePositionManager,
SwapRouter, QuoterV2, TickLens); each catalog pool created at the reference price with the
factory's default fee and tick spacing, minted in ranges around it; for the market,
`exactInputSingle` swaps through the SwapRouter and a pool's virtual reserves from
`globalState()` and `liquidity()`.

The factory and the pool deployer each take the other's address in their constructor, so both
are precomputed from the deployer's nonce (CREATE: keccak(rlp([sender, nonce]))): TickLens,
which needs nothing, goes first and its address tells the nonce; then the factory at the next
nonce, given the pool deployer's address, and the pool deployer at the one after.
No plugin factory is set, so pools have no plugin and price every swap at their `lastFee`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcRequest
from omniarb.contracts import Artifact, load_npm_artifact
from omniarb.devnet.kinds._calls import DEADLINE, POOL_CREATE_GAS, eth_call
from omniarb.devnet.kinds.base import ChainTokens, PoolDef, PoolReserves, PoolSeed, SeededPool
from omniarb.devnet.kinds.uniswap_v3 import sqrt_price_x96
from omniarb.devnet.tx_sender import TxSender
from omniarb.errors import DevnetError
from omniarb.network import DexEntry, LenderEntry, PoolEntry

__all__ = [
    "DEFAULT_FEE_PIPS",
    "DEFAULT_TICK_SPACING",
    "KIND",
    "AlgebraDevnet",
    "create_address",
    "position_ranges",
]

KIND_NAME = "algebra-integral"
# Constants.INIT_DEFAULT_FEE and INIT_DEFAULT_TICK_SPACING: what a new factory gives its pools.
DEFAULT_FEE_PIPS = 500
DEFAULT_TICK_SPACING = 60
MAX_TICK = 887272
ZERO_ADDRESS = "0x" + "00" * 20

_CORE = "@cryptoalgebra/integral-core/artifacts/contracts/"
_PERIPHERY = "@cryptoalgebra/integral-periphery/artifacts/contracts/"
_ARTIFACT_PATHS = MappingProxyType(
    {
        "AlgebraFactory": _CORE + "AlgebraFactory.sol/AlgebraFactory.json",
        "AlgebraPoolDeployer": _CORE + "AlgebraPoolDeployer.sol/AlgebraPoolDeployer.json",
        "AlgebraCommunityVault": _CORE + "AlgebraCommunityVault.sol/AlgebraCommunityVault.json",
        "AlgebraVaultFactoryStub": _CORE
        + "AlgebraVaultFactoryStub.sol/AlgebraVaultFactoryStub.json",
        "NonfungiblePositionManager": _PERIPHERY
        + "NonfungiblePositionManager.sol/NonfungiblePositionManager.json",
        "SwapRouter": _PERIPHERY + "SwapRouter.sol/SwapRouter.json",
        "QuoterV2": _PERIPHERY + "lens/QuoterV2.sol/QuoterV2.json",
        "TickLens": _PERIPHERY + "lens/TickLens.sol/TickLens.json",
        # Not deployed directly (the pool deployer creates them); its creation code's hash is
        # the init code hash of every pool's CREATE2 address.
        "AlgebraPool": _CORE + "AlgebraPool.sol/AlgebraPool.json",
    }
)
# SwapRouter swaps use up to ~250k gas when they cross many ticks; the limit leaves room.
_SWAP_GAS = 600_000
# SwapRouter.exactInputSingle(ExactInputSingleParams): tokenIn, tokenOut, deployer, recipient,
# deadline, amountIn, amountOutMinimum, limitSqrtPrice (deployer 0: the factory's own pools).
SWAP = "exactInputSingle((address,address,address,address,uint256,uint256,uint256,uint160))"
# NonfungiblePositionManager.mint(MintParams): token0, token1, deployer, tickLower, tickUpper,
# amount0Desired, amount1Desired, amount0Min, amount1Min, recipient, deadline.
MINT = "mint((address,address,address,int24,int24,uint256,uint256,uint256,uint256,address,uint256))"
_CREATE_POOL = "createAndInitializePoolIfNecessary(address,address,address,uint160,bytes)"
_Q96 = 2**96
_GLOBAL_STATE = encode_call("globalState()")
_LIQUIDITY = encode_call("liquidity()")
_GLOBAL_STATE_TYPES = ["uint160", "int24", "uint16", "uint8", "uint16", "bool"]


def create_address(sender: str, nonce: int) -> str:
    """The address CREATE gives the contract `sender` deploys with `nonce`:
    keccak(rlp([sender, nonce]))[12:]."""
    if nonce == 0:
        encoded_nonce = b"\x80"
    elif nonce < 0x80:
        encoded_nonce = bytes([nonce])
    else:
        raw = nonce.to_bytes((nonce.bit_length() + 7) // 8, "big")
        encoded_nonce = bytes([0x80 + len(raw)]) + raw
    body = b"\x94" + bytes.fromhex(sender.removeprefix("0x")) + encoded_nonce
    return str(to_checksum_address(keccak(bytes([0xC0 + len(body)]) + body)[12:]))


def _nonce_of(sender: str, address: str, *, search_up_to: int = 1_000_000) -> int:
    """The nonce with which `sender` created `address` (a linear search: devnet nonces are
    small)."""
    wanted = address.lower()
    for nonce in range(search_up_to):
        if create_address(sender, nonce).lower() == wanted:
            return nonce
    raise DevnetError(f"{address} was not created by {sender} with a nonce below {search_up_to}")


def _tick_of(price_raw: Fraction) -> int:
    return math.floor(math.log(float(price_raw)) / math.log(1.0001))


def position_ranges(price_raw: Fraction, spacing: int) -> list[tuple[int, int, Fraction]]:
    """Liquidity positions as (bottom tick, top tick, share of the pool's budget): a full-range
    base plus wide, medium and narrow ranges around the price."""
    centre = _tick_of(price_raw)
    full = MAX_TICK // spacing * spacing
    ranges = [(-full, full, Fraction(2, 5))]
    for half_width, share in (
        (1823, Fraction(3, 10)),
        (488, Fraction(1, 5)),
        (100, Fraction(1, 10)),
    ):
        width = max(half_width // spacing, 1) * spacing
        lo = (centre - width) // spacing * spacing
        hi = (centre + width) // spacing * spacing + spacing
        ranges.append((lo, hi, share))
    return ranges


class AlgebraDevnet:
    """Algebra Integral as the devnet deploys and trades it (`DevnetKind`)."""

    kind = KIND_NAME
    artifact_paths: Mapping[str, str] = _ARTIFACT_PATHS
    swap_gas = _SWAP_GAS
    takes_tail_pools = True

    def compiled_artifacts(self) -> tuple[Artifact, ...]:
        return ()

    def plan_pools(self, dex: str, rank: int, tokens: ChainTokens) -> tuple[PoolDef, ...]:
        wn, btc = tokens.wrapped_native, tokens.btc
        return tuple(
            PoolDef(dex=dex, kind=self.kind, token_a=a, token_b=b, depth_usd=usd)
            for a, b, usd in (
                (wn, "USDC", 20_000_000),
                (btc, wn, 6_000_000),
                ("USDC", "USDT", 6_000_000),
                (tokens.flavour_a, wn, 1_000_000),
            )
        )

    async def deploy(
        self, dex: str, deployer: TxSender, weth: str, lenders: Sequence[LenderEntry]
    ) -> DexEntry:
        art = {name: load_npm_artifact(path) for name, path in _ARTIFACT_PATHS.items()}
        lens = await deployer.deploy(f"{dex} TickLens", art["TickLens"])
        nonce = _nonce_of(deployer.address, lens)
        factory_at = create_address(deployer.address, nonce + 1)
        pool_deployer_at = create_address(deployer.address, nonce + 2)
        factory = await deployer.deploy(
            f"{dex} factory", art["AlgebraFactory"], ["address"], [pool_deployer_at]
        )
        pool_deployer = await deployer.deploy(
            f"{dex} pool deployer", art["AlgebraPoolDeployer"], ["address"], [factory_at]
        )
        if (factory, pool_deployer) != (factory_at, pool_deployer_at):
            raise DevnetError(
                f"{dex}: factory and pool deployer at {factory}, {pool_deployer}, expected "
                f"{factory_at}, {pool_deployer_at} (another transaction took a nonce)"
            )
        vault = await deployer.deploy(
            f"{dex} community vault",
            art["AlgebraCommunityVault"],
            ["address", "address"],
            [factory, deployer.address],
        )
        stub = await deployer.deploy(
            f"{dex} vault factory", art["AlgebraVaultFactoryStub"], ["address"], [vault]
        )
        await deployer.send(
            f"{dex} setVaultFactory", factory, encode_call("setVaultFactory(address)", stub)
        )
        periphery = {}
        for name, types, args in (
            (
                "NonfungiblePositionManager",
                ["address"] * 4,
                [factory, weth, ZERO_ADDRESS, pool_deployer],
            ),
            ("SwapRouter", ["address"] * 3, [factory, weth, pool_deployer]),
            ("QuoterV2", ["address"] * 3, [factory, weth, pool_deployer]),
        ):
            periphery[name] = await deployer.deploy(f"{dex} {name}", art[name], types, args)
        return DexEntry(
            name=dex,
            kind=self.kind,
            factory=factory,
            router=periphery["SwapRouter"],
            quoter=periphery["QuoterV2"],
            position_manager=periphery["NonfungiblePositionManager"],
            init_code_hash=art["AlgebraPool"].creation_code_hash,
            pool_deployer=pool_deployer,
        )

    async def seed_pool(
        self, deployer: TxSender, dex: DexEntry, seed: PoolSeed
    ) -> SeededPool | None:
        manager = dex.position_manager
        if manager is None:
            raise DevnetError(f"{dex.name} has no position manager")
        pool = seed.in_address_order()
        label = f"{dex.name} {pool.symbol_a}/{pool.symbol_b}"
        await deployer.send(
            f"{label} create",
            manager,
            encode_call(
                _CREATE_POOL,
                pool.token_a,
                pool.token_b,
                ZERO_ADDRESS,
                sqrt_price_x96(pool.price_raw),
                b"",
            ),
            gas=POOL_CREATE_GAS,
        )
        for lower, upper, share in position_ranges(pool.price_raw, DEFAULT_TICK_SPACING):
            amounts = (int(pool.amount_a * share), int(pool.amount_b * share), 0, 0)
            params = (pool.token_a, pool.token_b, ZERO_ADDRESS, lower, upper, *amounts)
            await deployer.send(
                f"{label} mint [{lower},{upper}]",
                manager,
                encode_call(MINT, (*params, deployer.address, DEADLINE)),
            )
        return None

    def find_pool(self, dex: DexEntry, seed: PoolSeed) -> RpcRequest:
        return eth_call(
            dex.factory, encode_call("poolByPair(address,address)", seed.token_a, seed.token_b)
        )

    def fee_pips(self, dex: DexEntry, seed: PoolSeed) -> int:
        return DEFAULT_FEE_PIPS

    def tick_spacing(self, fee_pips: int) -> int | None:
        return DEFAULT_TICK_SPACING

    def swap_calldata(
        self, pool: PoolEntry, token_in: str, token_out: str, amount_in: int, recipient: str
    ) -> str:
        return encode_call(
            SWAP, (token_in, token_out, ZERO_ADDRESS, recipient, DEADLINE, amount_in, 0, 0)
        )

    def state_reads(self, pool: PoolEntry, dex: DexEntry) -> tuple[RpcRequest, ...]:
        held_by_pool = encode_call("balanceOf(address)", pool.address)
        return (
            eth_call(pool.address, _GLOBAL_STATE),
            eth_call(pool.address, _LIQUIDITY),
            eth_call(pool.token0, held_by_pool),
            eth_call(pool.token1, held_by_pool),
        )

    def reserves(self, pool: PoolEntry, answers: Sequence[Any]) -> PoolReserves:
        price = decode(_GLOBAL_STATE_TYPES, answers[0])[0]
        (liquidity,) = decode(["uint128"], answers[1])
        (balance0,) = decode(["uint256"], answers[2])
        (balance1,) = decode(["uint256"], answers[3])
        if not price:
            return PoolReserves(balance0=balance0, balance1=balance1, virtual0=0, virtual1=0)
        return PoolReserves(
            balance0=balance0,
            balance1=balance1,
            virtual0=liquidity * _Q96 // price,
            virtual1=liquidity * price // _Q96,
        )


KIND = AlgebraDevnet()
