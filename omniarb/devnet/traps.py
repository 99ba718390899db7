"""The devnet's malicious tokens: tokens whose pools look profitable and are not.

With `[devnet] traps = true` (`Devnet(traps=True)`), the devnet deploys on Ethereum one token of
each kind in `contracts/devnet/DevTrapTokens.sol`: a 5% fee on every transfer (FEE5), a honeypot
whose sells revert (HONEY), a paused token (PAUSE) and one that blacklists whoever buys it
(BLOCK). Each has two Uniswap V2 pools, against WETH and against USDC, priced 10% apart, so the
cycle WETH → token → USDC → WETH shows a profit of several percent that no trade can realize.
The bot is never told which tokens these are: it must find out by simulating
(`omniarb.risk.token_safety`). Only the devnet's own market reads `is_trap_pool`, to keep its
traders out of these pools.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from omniarb.network import PoolEntry

__all__ = ["TRAP_DEX", "TrapTokenDef", "is_trap_pool", "trap_symbols", "traps_for"]

# The DEX whose pairs hold the trap tokens, and the two tokens they are paired with.
TRAP_DEX = "uniswap-v2"
TRAP_QUOTES = ("WETH", "USDC")


@dataclass(frozen=True, slots=True, kw_only=True)
class TrapTokenDef:
    """A trap token to deploy: `contract` in DevTrapTokens.sol, 18 decimals; `fee_bps` for the
    fee token's constructor. Its pool against WETH is priced at `price_usd`, its pool against
    USDC `usdc_premium` higher; each pool is `depth_usd` deep."""

    symbol: str
    name: str
    contract: str
    fee_bps: int | None = None
    price_usd: Fraction = Fraction(1)
    usdc_premium: Fraction = Fraction(11, 10)
    depth_usd: int = 400_000
    pauses: bool = False

    decimals: int = 18


_ETHEREUM_TRAPS = (
    TrapTokenDef(symbol="FEE5", name="Fee Five", contract="DevFeeToken", fee_bps=500),
    TrapTokenDef(symbol="HONEY", name="Honey Pot", contract="DevHoneypotToken"),
    TrapTokenDef(symbol="PAUSE", name="Paused Token", contract="DevPausableToken", pauses=True),
    TrapTokenDef(symbol="BLOCK", name="Block List", contract="DevBlacklistToken"),
)


def traps_for(chain_name: str) -> tuple[TrapTokenDef, ...]:
    """The trap tokens the devnet deploys on `chain_name` (Ethereum only, for now)."""
    return _ETHEREUM_TRAPS if chain_name == "ethereum" else ()


def trap_symbols(traps: Iterable[TrapTokenDef]) -> frozenset[str]:
    return frozenset(t.symbol for t in traps)


def is_trap_pool(chain_name: str, pool: PoolEntry) -> bool:
    """Whether `pool` holds one of the chain's trap tokens (for the devnet's market only)."""
    symbols = trap_symbols(traps_for(chain_name))
    return pool.symbol0 in symbols or pool.symbol1 in symbols
