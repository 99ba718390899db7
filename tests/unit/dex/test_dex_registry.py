"""The adapter registry: every traded kind has one adapter, whose executor bytes are the
contract's own constants and whose state events are the protocol's."""

from __future__ import annotations

import re

import pytest
from eth_utils.crypto import keccak

from omniarb.chains.spec import ALGEBRA_INTEGRAL_INIT_CODE_HASH, BALANCER_VAULT_MARK, DexKind
from omniarb.dex.registry import ADAPTERS, adapter, is_traded
from omniarb.errors import NotFoundError
from omniarb.execute.route_codec import PLAN_SOURCE
from omniarb.paths import project_root

_EXECUTOR = project_root() / "contracts" / "executor" / "OmniArbExecutor.sol"


def _constant(name: str) -> int:
    match = re.search(rf"constant {name} = (0x[0-9a-fA-F]+|\d+);", _EXECUTOR.read_text())
    assert match, name
    return int(match.group(1), 0)


def _topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


def test_the_traded_kinds() -> None:
    assert set(ADAPTERS) == {
        DexKind.UNISWAP_V2.value,
        DexKind.UNISWAP_V3.value,
        DexKind.PANCAKESWAP_V3.value,
        DexKind.ALGEBRA_INTEGRAL.value,
        DexKind.UNISWAP_V4.value,
        DexKind.BALANCER_WEIGHTED.value,
        DexKind.BALANCER_STABLE.value,
    }
    assert is_traded("uniswap-v3")
    assert is_traded(DexKind.UNISWAP_V4.value)
    assert is_traded(DexKind.PANCAKESWAP_V3.value)
    assert not is_traded(DexKind.VELODROME_V2.value)
    with pytest.raises(NotFoundError, match="no adapter for pool kind 'curve'"):
        adapter("curve")


def test_hop_bytes_are_the_executor_s() -> None:
    assert adapter("uniswap-v2").hop_kind == _constant("KIND_UNISWAP_V2")
    assert adapter("uniswap-v3").hop_kind == _constant("KIND_UNISWAP_V3")
    # PancakeSwap V3's pools run v3-core's swap: the executor's V3 hop, with its callbacks
    # under PancakeSwap's names too.
    assert adapter("pancakeswap-v3").hop_kind == _constant("KIND_UNISWAP_V3")
    assert adapter("pancakeswap-v3").pool_loan == adapter("uniswap-v3").pool_loan
    source = _EXECUTOR.read_text()
    assert "function pancakeV3SwapCallback(" in source
    assert "function pancakeV3FlashCallback(" in source
    # Balancer's two kinds are one hop of the executor (a `Vault.swap` either way).
    others = [a for a in ADAPTERS.values() if a.kind not in ("pancakeswap-v3", "balancer-stable")]
    assert len({a.hop_kind for a in others}) == len(others)
    assert PLAN_SOURCE[adapter("uniswap-v2").pool_loan] == _constant("FLASH_V2_PAIR")
    assert PLAN_SOURCE[adapter("uniswap-v3").pool_loan] == _constant("FLASH_UNISWAP_V3")
    # Uniswap V4: its own hop byte, and its PoolManager is flash source 4; pools are proven by
    # a registered manager, marked in the registry in place of an init code hash.
    v4 = adapter("uniswap-v4")
    assert v4.hop_kind == _constant("KIND_UNISWAP_V4") == 3
    assert PLAN_SOURCE[v4.pool_loan] == _constant("FLASH_UNISWAP_V4") == 4
    assert f"POOL_MANAGER =\n        {v4.reference_init_code_hash};" in source
    assert "function unlockCallback(" in source


def test_balancer_hop_and_vault_are_the_executor_s() -> None:
    # Both Balancer kinds swap through the Vault (kind byte 4, the Vault registered with a
    # mark); their pools lend through the Vault (flash source 1), which a route through one
    # of its pools cannot borrow from (one reentrancy lock for `swap` and `flashLoan`).
    source = _EXECUTOR.read_text()
    for kind in (DexKind.BALANCER_WEIGHTED.value, DexKind.BALANCER_STABLE.value):
        balancer = adapter(kind)
        assert balancer.hop_kind == _constant("KIND_BALANCER") == 4
        assert PLAN_SOURCE[balancer.pool_loan] == _constant("FLASH_BALANCER") == 1
        assert balancer.locked_lenders == {balancer.pool_loan}
        assert not balancer.flash_swap_hop
        assert f"BALANCER_VAULT =\n        {balancer.reference_init_code_hash};" in source
        assert (
            balancer.hop_gas.route_group
            == adapter(DexKind.BALANCER_WEIGHTED.value).hop_gas.route_group
        )
    assert "0x" + keccak(text="omniarb: Balancer V2 Vault").hex() == BALANCER_VAULT_MARK
    for other in ADAPTERS.values():
        if other.kind not in (DexKind.BALANCER_WEIGHTED.value, DexKind.BALANCER_STABLE.value):
            assert other.locked_lenders == frozenset()


def test_algebra_hop_and_loan_are_the_executor_s() -> None:
    # Algebra pools take v3-core's swap call but are proven genuine without a fee in the salt:
    # a hop byte of their own, with the callbacks under Algebra's names; they lend through
    # the same `flash` call as V3 pools, from a record of kind 0x80 | 2.
    algebra = adapter(DexKind.ALGEBRA_INTEGRAL.value)
    assert algebra.hop_kind == _constant("KIND_ALGEBRA")
    assert 0x80 | algebra.hop_kind == _constant("RECORD_ALGEBRA_POOL")
    assert PLAN_SOURCE[algebra.pool_loan] == _constant("FLASH_UNISWAP_V3")
    assert algebra.pool_loan is not adapter("uniswap-v3").pool_loan  # its fee rule differs
    source = _EXECUTOR.read_text()
    assert "function algebraSwapCallback(" in source
    assert "function algebraFlashCallback(" in source
    assert algebra.reference_init_code_hash == ALGEBRA_INTEGRAL_INIT_CODE_HASH


def test_state_events_are_the_protocols() -> None:
    assert adapter("uniswap-v2").state_topics == {_topic("Sync(uint112,uint112)")}
    assert adapter("uniswap-v3").state_topics == {
        _topic("Swap(address,address,int256,int256,uint160,uint128,int24)"),
        _topic("Mint(address,address,int24,int24,uint128,uint256,uint256)"),
        _topic("Burn(address,int24,int24,uint128,uint256,uint256)"),
    }
    assert adapter("uniswap-v4").state_topics == {
        _topic("Swap(bytes32,address,int128,int128,uint160,uint128,int24,uint24)"),
        _topic("ModifyLiquidity(bytes32,address,int24,int24,int256,bytes32)"),
        _topic("ProtocolFeeUpdated(bytes32,uint24)"),
    }
    assert adapter("pancakeswap-v3").state_topics == {
        _topic("Swap(address,address,int256,int256,uint160,uint128,int24,uint128,uint128)"),
        _topic("Mint(address,address,int24,int24,uint128,uint256,uint256)"),
        _topic("Burn(address,int24,int24,uint128,uint256,uint256)"),
    }
    weighted_topics = {
        _topic("Swap(bytes32,address,address,uint256,uint256)"),
        _topic("PoolBalanceChanged(bytes32,address,address[],int256[],uint256[])"),
        _topic("PoolBalanceManaged(bytes32,address,address,int256,int256)"),
        _topic("SwapFeePercentageChanged(uint256)"),
        _topic("PausedStateChanged(bool)"),
    }
    assert adapter("balancer-weighted").state_topics == weighted_topics
    assert adapter("balancer-stable").state_topics == weighted_topics | {
        _topic("AmpUpdateStarted(uint256,uint256,uint256,uint256)"),
        _topic("AmpUpdateStopped(uint256)"),
        _topic("TokenRateCacheUpdated(uint256,uint256)"),
    }
    assert adapter("algebra-integral").state_topics == {
        _topic("Swap(address,address,int256,int256,uint160,uint128,int24)"),
        _topic("Mint(address,address,int24,int24,uint128,uint256,uint256)"),
        _topic("Burn(address,int24,int24,uint128,uint256,uint256)"),
        _topic("Initialize(uint160,int24)"),
        _topic("Fee(uint16)"),
        _topic("Plugin(address)"),
        _topic("PluginConfig(uint8)"),
    }
