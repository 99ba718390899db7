"""The chain specs' DEX parameters are the real deployments': from each DEX's factory (or pool
deployer) and init code hash, CREATE2 gives the addresses of well-known mainnet pools.

The pools and token addresses are public facts (block explorers, the DEXes' own subgraphs and
SDKs; Balancer's from its deployments package); the CREATE2 rules are each protocol's pair/pool
address library (UniswapV2Library `pairFor`, v3-periphery `PoolAddress.computeAddress`,
PancakeSwap V3's `PoolAddress` with the deployer, Velodrome V2's
`Clones.predictDeterministicAddress` with the stable flag in the salt).
"""

from __future__ import annotations

import pytest
import rlp
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from omniarb.chains.spec import (
    BALANCER_V2_VAULT,
    BALANCER_VAULT_MARK,
    CHAINS,
    UNISWAP_V4_POOL_MANAGER_MARK,
    DexKind,
    DexSpec,
    chain_by_name,
)
from omniarb.dex.algebra import POOL_INIT_CODE_HASH as ALGEBRA_POOL_INIT_CODE_HASH
from omniarb.dex.uniswap_v4 import NATIVE_CURRENCY, PoolKey

# (chain, symbol) → token address
TOKENS = {
    ("ethereum", "WETH"): "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
    ("ethereum", "USDC"): "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
    ("ethereum", "DAI"): "0x6B175474E89094C44Da98b954EedeAC495271d0F",
    ("bnb", "WBNB"): "0xbb4CdB9CBd36B01bD1cBaEBF2De08d9173bc095c",
    ("bnb", "USDT"): "0x55d398326f99059fF775485246999027B3197955",
    ("bnb", "BUSD"): "0xe9e7CEA3DedcA5984780Bafc599bD69ADd087D56",
    ("polygon", "WMATIC"): "0x0d500B1d8E8eF31E21C99d1Db9A6444d3ADf1270",
    ("polygon", "WETH"): "0x7ceB23fD6bC0adD59E62ac25578270cFf1b9f619",
    ("polygon", "USDC.e"): "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174",
    ("polygon", "USDC"): "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359",
    ("arbitrum", "WETH"): "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1",
    ("arbitrum", "USDC"): "0xaf88d065e77c8cC2239327C5EDb3A432268e5831",
    ("arbitrum", "USDC.e"): "0xFF970A61A04b1cA14834A43f5dE4533eBDDB5CC8",
    ("optimism", "WETH"): "0x4200000000000000000000000000000000000006",
    ("optimism", "USDC"): "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85",
    ("optimism", "USDC.e"): "0x7F5c764cBc14f9669B88837ca1490cCa17c31607",
    ("optimism", "DAI"): "0xDA10009cBd5D07dd0CeCc66161FC93D7c9000da1",
}

# (chain, DEX, token a, token b, V3 fee tier or Velodrome's stable flag, the pool's address)
KNOWN_POOLS = [
    ("ethereum", "uniswap-v2", "USDC", "WETH", None, "0xB4e16d0168e52d35CaCD2c6185b44281Ec28C9Dc"),
    ("ethereum", "uniswap-v2", "USDC", "DAI", None, "0xAE461cA67B15dc8dc81CE7615e0320dA1A9aB8D5"),
    ("ethereum", "sushiswap", "USDC", "WETH", None, "0x397FF1542f962076d0BFE58eA045FfA2d347ACa0"),
    ("ethereum", "uniswap-v3", "USDC", "WETH", 3000, "0x8ad599c3A0ff1De082011EFDDc58f1908eb6e6D8"),
    ("ethereum", "uniswap-v3", "USDC", "WETH", 500, "0x88e6A0c2dDD26FEEb64F039a2c41296FcB3f5640"),
    (
        "ethereum",
        "pancakeswap-v3",
        "USDC",
        "WETH",
        500,
        "0x1ac1A8FEaAEa1900C4166dEeed0C11cC10669D36",
    ),
    ("bnb", "pancakeswap-v2", "WBNB", "BUSD", None, "0x58F876857a02D6762E0101bb5C46A8c1ED44Dc16"),
    ("bnb", "pancakeswap-v2", "USDT", "WBNB", None, "0x16b9a82891338f9bA80E2D6970FddA79D1eb0daE"),
    ("bnb", "pancakeswap-v3", "USDT", "WBNB", 500, "0x36696169C63e42cd08ce11f5deeBbCeBae652050"),
    ("bnb", "biswap", "USDT", "WBNB", None, "0x8840C6252e2e86e545deFb6da98B2a0E26d8C1BA"),
    ("bnb", "uniswap-v3", "USDT", "WBNB", 500, "0x6fe9E9de56356F7eDBfcBB29FAB7cd69471a4869"),
    (
        "polygon",
        "quickswap",
        "WMATIC",
        "USDC.e",
        None,
        "0x6e7a5FAFcec6BB1e78bAE2A1F0B612012BF14827",
    ),
    ("polygon", "sushiswap", "WETH", "USDC.e", None, "0x34965ba0ac2451A34a0471F04CCa3F990b8dea27"),
    ("polygon", "uniswap-v3", "USDC.e", "WETH", 3000, "0x0e44cEb592AcFC5D3F09D996302eB4C499ff8c10"),
    (
        "polygon",
        "uniswap-v3",
        "WMATIC",
        "USDC.e",
        500,
        "0xA374094527e1673A86dE625aa59517c5dE346d32",
    ),
    ("arbitrum", "sushiswap", "WETH", "USDC.e", None, "0x905dfCD5649217c42684f23958568e533C711Aa3"),
    ("arbitrum", "camelot", "WETH", "USDC.e", None, "0x84652bb2539513BAf36e225c930Fdd8eaa63CE27"),
    (
        "arbitrum",
        "uniswap-v3",
        "USDC.e",
        "WETH",
        3000,
        "0x17c14D2c404D167802b16C450d3c99F88F2c4F4d",
    ),
    ("arbitrum", "uniswap-v3", "WETH", "USDC", 500, "0xC6962004f452bE9203591991D15f6b388e09E8D0"),
    (
        "arbitrum",
        "pancakeswap-v3",
        "WETH",
        "USDC",
        100,
        "0x7fCDC35463E3770c2fB992716Cd070B63540b947",
    ),
    ("optimism", "uniswap-v3", "WETH", "USDC.e", 500, "0x85149247691df622eaF1a8Bd0CaFd40BC45154a9"),
    ("optimism", "uniswap-v3", "WETH", "DAI", 3000, "0x03aF20bDAaFfB4cC0A521796a223f7D85e2aAc31"),
    (
        "optimism",
        "velodrome-v2",
        "WETH",
        "USDC.e",
        False,
        "0x0493Bf8b6DBB159Ce2Db2E0E8403E753Abd1235b",
    ),
    (
        "optimism",
        "velodrome-v2",
        "USDC.e",
        "DAI",
        True,
        "0x19715771E30c93915A5bbDa134d782b81A820076",
    ),
    ("optimism", "sushiswap", "WETH", "USDC", None, "0x010370653d85cFC3d9756fDE6A6Fb8A86Ff9EDE3"),
    ("optimism", "zipswap", "WETH", "USDC.e", None, "0x1A981dAa7967C66C3356Ad044979BC82E4a478b9"),
]
# Uniswap V4 pools have no address: (chain, DEX, token paired with the native coin, LP fee,
# tick spacing, the pool id its PoolManager knows it by), the chains' native/stablecoin 0.05%
# pools as their explorers and SDK users name them.
KNOWN_V4_POOLS = [
    (
        "ethereum",
        "uniswap-v4",
        "USDC",
        500,
        10,
        "0x21c67e77068de97969ba93d4aab21826d33ca12bb9f565d8496e8fda8a82ca27",
    ),
    (
        "bnb",
        "uniswap-v4",
        "USDT",
        500,
        10,
        "0xa77d89e40ddd6a57b72ad4a8c55554b2fd6171026c903462a9f9c7be133811a6",
    ),
    (
        "polygon",
        "uniswap-v4",
        "USDC",
        500,
        10,
        "0x37f372fc7c59fb54a7797addeb6c03670537eacd62d4bed81dfffa61876cd775",
    ),
    (
        "arbitrum",
        "uniswap-v4",
        "USDC",
        500,
        10,
        "0x864abca0a6202dba5b8868772308da953ff125b0f95015adbf89aaf579e903a8",
    ),
    (
        "optimism",
        "uniswap-v4",
        "USDC",
        500,
        10,
        "0x51bf4cc5b8d9f7f759e41f572fe2a25bc2aeb42432bf12544a350595e5c8bb43",
    ),
]
# Velodrome V2's pool implementation, whose EIP-1167 clone creation code the spec's hash is of.
VELODROME_POOL_IMPLEMENTATION = "0x95885Af5492195F0754bE71AD1545Fe81364E531"


# (chain, Balancer DEX, the pool its factory made first: the deployment task's mock pool,
# `MockWeightedPool` / `MockComposableStablePool` in `@balancer-labs/v2-deployments` 3.2.0
# `output/*.json`). A Balancer factory CREATE-deploys its pools; its constructor deploys the two
# halves of the pool's creation code first (nonces 1 and 2), so its first pool is at nonce 3.
KNOWN_BALANCER_POOLS = [
    ("ethereum", "balancer-weighted", "0x1576d472d82A72a1Ec7C57FcA770BD752D124A62"),
    ("ethereum", "balancer-stable", "0x222bc81C6F3C17e9e9Aba47a12f55a1Dea42f163"),
    ("bnb", "balancer-weighted", "0x463957510888720f1EA65B599e996aaD4264206A"),
    ("bnb", "balancer-stable", "0xB521E108c8aC5aD91Dc16d0001b7253D3B3beBC5"),
    ("polygon", "balancer-weighted", "0x93ECf386cD53718aF16a09C325a56D1bB60aDc37"),
    ("polygon", "balancer-stable", "0xeff1d57A28167E6982DCa1D63321810400f73929"),
    ("arbitrum", "balancer-weighted", "0x96d7e549eA1d810725e4Cd1f51ed6b4AE8496338"),
    ("arbitrum", "balancer-stable", "0x231B05F3a92d578EFf772f2Ddf6DacFFB3609749"),
    ("optimism", "balancer-weighted", "0xbC99aa9bD55d3f8431Ecec24Da03AEc1D6e62754"),
    ("optimism", "balancer-stable", "0x9BF7c3b63c77b4B4F2717776F15A4bec1b532a28"),
]
_BALANCER_FIRST_POOL_NONCE = 3


def _raw(address: str) -> bytes:
    return bytes.fromhex(address.removeprefix("0x"))


def _create2(deployer: str, salt: bytes, init_code_hash: str) -> str:
    digest = keccak(b"\xff" + _raw(deployer) + salt + _raw(init_code_hash))
    return to_checksum_address(digest[12:])


def pool_address(dex: DexSpec, token_a: str, token_b: str, extra: int | bool | None) -> str:
    """The CREATE2 address of the pool of `token_a`/`token_b` on `dex`."""
    token0, token1 = sorted((token_a, token_b), key=lambda a: int(a, 16))
    if dex.kind is DexKind.UNISWAP_V2:
        salt = keccak(_raw(token0) + _raw(token1))
    elif dex.kind is DexKind.VELODROME_V2:
        salt = keccak(_raw(token0) + _raw(token1) + bytes([bool(extra)]))
    else:  # Uniswap V3 and PancakeSwap V3: abi.encode(token0, token1, fee)
        assert isinstance(extra, int)
        salt = keccak(
            _raw(token0).rjust(32, b"\0")
            + _raw(token1).rjust(32, b"\0")
            + extra.to_bytes(32, "big")
        )
    return _create2(dex.pool_deployer or dex.factory, salt, dex.init_code_hash)


@pytest.mark.parametrize(("chain", "dex", "a", "b", "extra", "expected"), KNOWN_POOLS)
def test_known_mainnet_pools_recompute_from_the_specs(
    chain: str, dex: str, a: str, b: str, extra: int | bool | None, expected: str
) -> None:
    spec = chain_by_name(chain).dex(dex)
    assert pool_address(spec, TOKENS[chain, a], TOKENS[chain, b], extra) == expected


@pytest.mark.parametrize(("chain", "dex", "token", "fee", "spacing", "pool_id"), KNOWN_V4_POOLS)
def test_known_v4_pools_recompute_from_their_keys(
    chain: str, dex: str, token: str, fee: int, spacing: int, pool_id: str
) -> None:
    """The pool's id is keccak256(abi.encode(PoolKey)) of the hookless native-coin key; its
    PoolManager and the StateView that reads it are the spec's, one pair per chain."""
    spec = chain_by_name(chain).dex(dex)
    assert spec.kind is DexKind.UNISWAP_V4
    key = PoolKey.of(NATIVE_CURRENCY, TOKENS[chain, token], fee=fee, tick_spacing=spacing)
    assert key.pool_id == pool_id
    assert spec.init_code_hash == UNISWAP_V4_POOL_MANAGER_MARK
    assert spec.lens is not None
    assert spec.factory == to_checksum_address(spec.factory)
    assert spec.lens == to_checksum_address(spec.lens)


def test_v4_managers_and_state_views_are_each_chains_own() -> None:
    v4 = [dex for chain in CHAINS for dex in chain.dexes if dex.kind is DexKind.UNISWAP_V4]
    assert len(v4) == len(CHAINS)
    assert len({dex.factory for dex in v4}) == len({dex.lens for dex in v4}) == len(CHAINS)
    assert chain_by_name("ethereum").dex("uniswap-v4").factory == (
        "0x000000000004444c5dc75cB358380D2e3dE08A90"
    )
    assert "0x" + keccak(text="omniarb: Uniswap V4 PoolManager").hex() == (
        UNISWAP_V4_POOL_MANAGER_MARK
    )


@pytest.mark.parametrize(("chain", "dex", "first_pool"), KNOWN_BALANCER_POOLS)
def test_balancer_factories_made_their_first_pools(chain: str, dex: str, first_pool: str) -> None:
    """The spec's pool factory CREATE-deployed the chain's first pool of that factory, in the
    spec's Vault; its deployment block is on record."""
    spec = chain_by_name(chain).dex(dex)
    assert spec.kind in (DexKind.BALANCER_WEIGHTED, DexKind.BALANCER_STABLE)
    assert spec.factory == BALANCER_V2_VAULT
    assert spec.init_code_hash == BALANCER_VAULT_MARK
    assert spec.pool_factory is not None
    assert spec.pool_factory == to_checksum_address(spec.pool_factory)
    creation = keccak(rlp.encode([_raw(spec.pool_factory), _BALANCER_FIRST_POOL_NONCE]))
    assert to_checksum_address(creation[12:]) == first_pool
    assert spec.start_block > 10_000_000


def test_balancer_vault_mark_is_its_own() -> None:
    assert "0x" + keccak(text="omniarb: Balancer V2 Vault").hex() == BALANCER_VAULT_MARK


def test_every_known_deployment_is_checked_against_a_real_pool() -> None:
    checked = {
        (chain, dex) for chain, dex, *_ in [*KNOWN_POOLS, *KNOWN_V4_POOLS, *KNOWN_BALANCER_POOLS]
    }
    listed = {
        (chain.name, dex.name) for chain in CHAINS for dex in chain.dexes if not dex.devnet_only
    }
    assert listed == checked


def test_devnet_only_deployments_claim_no_real_factory() -> None:
    # Algebra Integral 1.2 is deployed by the devnet on Polygon and Arbitrum, where the real
    # Algebra DEXes run older versions: no factory is claimed, and no described DEX matches it.
    devnet_only = {
        (chain.name, dex.name): dex for chain in CHAINS for dex in chain.dexes if dex.devnet_only
    }
    assert set(devnet_only) == {("polygon", "algebra-integral"), ("arbitrum", "algebra-integral")}
    for dex in devnet_only.values():
        assert int(dex.factory, 16) == 0
        assert dex.pool_deployer is None
        assert dex.init_code_hash == ALGEBRA_POOL_INIT_CODE_HASH


def test_velodrome_hash_is_the_clone_code_of_its_implementation() -> None:
    # EIP-1167 minimal proxy creation code around the implementation's address.
    creation = (
        bytes.fromhex("3d602d80600a3d3981f3363d3d373d3d3d363d73")
        + _raw(VELODROME_POOL_IMPLEMENTATION)
        + bytes.fromhex("5af43d82803e903d91602b57fd5bf3")
    )
    velodrome = chain_by_name("optimism").dex("velodrome-v2")
    assert "0x" + keccak(creation).hex() == velodrome.init_code_hash


def test_v2_forks_carry_their_own_fee() -> None:
    assert chain_by_name("bnb").dex("pancakeswap-v2").fee_bps == 25
    assert chain_by_name("ethereum").dex("uniswap-v2").fee_bps == 30
    # Pairs that store their own fee are marked as such, not given a guessed one.
    assert chain_by_name("bnb").dex("biswap").fee_bps is None
    assert chain_by_name("arbitrum").dex("camelot").fee_bps is None
