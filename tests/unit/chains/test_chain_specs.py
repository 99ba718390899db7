"""The chain specs' own invariants: what the rest of the bot relies on them to hold."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_utils import to_checksum_address

from omniarb.chains.spec import (
    CHAINS,
    GWEI,
    ChainSpec,
    FeeModel,
    TipBounds,
    chain_by_name,
)


@pytest.mark.parametrize("chain", CHAINS, ids=lambda c: c.name)
def test_a_trade_is_final_within_the_history_kept(chain: ChainSpec) -> None:
    # A trade is re-checked after a reorg until it is final: its block must still be in the
    # history the state keeps, or the re-check could not tell the fork point.
    assert 0 < chain.confirmation_depth <= chain.reorg_depth


@pytest.mark.parametrize("chain", CHAINS, ids=lambda c: c.name)
def test_an_l2_fee_model_names_its_fee_oracles(chain: ChainSpec) -> None:
    system = chain.system
    arbitrum = system.node_interface is not None and system.arb_gas_info is not None
    op_stack = system.gas_price_oracle is not None and system.l1_block is not None
    assert (chain.fee_model is FeeModel.L2_EIP1559) == (arbitrum or op_stack)


def test_polygon_bids_at_least_the_validators_minimum_tip() -> None:
    assert chain_by_name("polygon").tips.min_wei == 25 * GWEI


def test_tips_are_clamped_into_their_bounds() -> None:
    bounds = TipBounds(min_wei=2, max_wei=5)
    assert [bounds.clamp(tip) for tip in (0, 2, 3, 5, 9)] == [2, 2, 3, 5, 5]


@pytest.mark.parametrize(("low", "high"), [(-1, 5), (6, 5)])
def test_inverted_or_negative_tip_bounds_are_refused(low: int, high: int) -> None:
    with pytest.raises(ValueError, match="tip bounds"):
        TipBounds(min_wei=low, max_wei=high)


@pytest.mark.parametrize("chain", CHAINS, ids=lambda c: c.name)
def test_wrapped_native_token_addresses_are_checksummed(chain: ChainSpec) -> None:
    assert chain.wrapped_native == to_checksum_address(chain.wrapped_native)


def _readme_chain_rows() -> dict[str, list[str]]:
    readme = Path(__file__).resolve().parents[3] / "README.md"
    section = readme.read_text().split("### Chain specs", 1)[1].split("\n\n- ", 1)[0]
    rows = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [c.strip() for c in cells] for cells in rows[1:]}


def _gwei(wei: int) -> str:
    return f"{wei / GWEI:g}"


@pytest.mark.parametrize("chain", CHAINS, ids=lambda c: c.name)
def test_the_readme_table_says_what_the_spec_says(chain: ChainSpec) -> None:
    row = _readme_chain_rows()[chain.name]
    assert row[1:8] == [
        str(chain.chain_id),
        f"{chain.block_time_s:g} s",
        str(chain.fee_model),
        str(chain.mempool),
        str(chain.reorg_depth),
        str(chain.confirmation_depth),
        f"{_gwei(chain.tips.min_wei)}–{_gwei(chain.tips.max_wei)}",
    ]
