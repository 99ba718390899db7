"""`[key_pool]`: how many executor keys each chain trades with, and when a key is rotated.

[key_pool]
size = 1                       # keys per chain (each with its own nonce sequence)
max_key_age_s = 0              # rotate a key older than this (0: no age limit)
max_key_tx_count = 0           # rotate a key that sent this many transactions (0: no limit)
gas_float_wei = 50000000000000000   # native gas moved to a new key (0.05 ETH)
check_interval_s = 30.0        # how often the bot asks the policy

[key_pool.chains.arbitrum]     # per-chain overrides of the same keys
size = 3
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from omniarb._config_services import MODEL

__all__ = ["KeyPoolChain", "KeyPoolSettings"]


class KeyPoolChain(BaseModel):
    """One chain's pool and rotation policy; unset keys take the `[key_pool]` value."""

    model_config = MODEL

    size: int | None = Field(default=None, ge=1, le=32, description="an integer from 1 to 32")
    max_key_age_s: float | None = Field(default=None, ge=0, description="seconds, 0 for none")
    max_key_tx_count: int | None = Field(default=None, ge=0, description="an integer, 0 for none")
    gas_float_wei: int | None = Field(default=None, ge=0, description="wei")


class KeyPoolSettings(BaseModel):
    """The executor key pool and its rotation policy (see the module docstring)."""

    model_config = MODEL

    size: int = Field(default=1, ge=1, le=32, description="an integer from 1 to 32")
    max_key_age_s: float = Field(default=0.0, ge=0, description="seconds, 0 for none")
    max_key_tx_count: int = Field(default=0, ge=0, description="an integer, 0 for none")
    gas_float_wei: int = Field(default=5 * 10**16, ge=0, description="wei")
    check_interval_s: float = Field(default=30.0, gt=0, description="seconds")
    chains: dict[str, KeyPoolChain] = Field(default_factory=dict, description="a table per chain")

    def for_chain(self, chain: str) -> KeyPoolChain:
        """`chain`'s settings with every unset key filled from the defaults."""
        own = self.chains.get(chain, KeyPoolChain())
        return KeyPoolChain(
            size=own.size if own.size is not None else self.size,
            max_key_age_s=own.max_key_age_s
            if own.max_key_age_s is not None
            else self.max_key_age_s,
            max_key_tx_count=(
                own.max_key_tx_count if own.max_key_tx_count is not None else self.max_key_tx_count
            ),
            gas_float_wei=own.gas_float_wei
            if own.gas_float_wei is not None
            else self.gas_float_wei,
        )
