"""`[allocate]`: where a trade's capital comes from, and the caps on the executor's inventory.

    [allocate]
    inventory = true                 # may a trade start from the executor's own balance
    max_inventory_share_bps = 5000   # one trade takes at most this share of what is held
    per_chain_budget_usd = 250000    # inventory in flight at once on one chain, USD

    [allocate.tokens.WETH]           # one start token, on every chain that has it
    max_amount_in = 10               # whole tokens taken from inventory by one trade

    [allocate.chains.ethereum]       # one chain: over the [allocate] budget
    per_chain_budget_usd = 50000

A trade whose route cannot flash-swap from its own first pair needs capital from outside: the
cheapest flash loan, or the executor's inventory (no fee, less gas) when that keeps strictly
more (`omniarb.allocate`). Every cap is off unless set; `inventory = false` makes every trade
borrow. A trade larger than a cap is re-sized, exactly, to the best amount within it, or takes
a loan when that keeps more. USD values use each opportunity's own rate; token tables are keyed
by the token's symbol in the network description and apply on the chains that have it.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from omniarb._config_services import MODEL
from omniarb.allocate.inventory import InventoryCaps
from omniarb.errors import ConfigError

if TYPE_CHECKING:
    from omniarb.network import TokenEntry

__all__ = ["AllocateChainSettings", "AllocateSettings", "AllocateTokenSettings", "inventory_caps"]

_BUDGET = "USD, a number > 0"


class AllocateTokenSettings(BaseModel):
    """`[allocate.tokens.<SYMBOL>]`: one start token's cap on inventory trades."""

    model_config = MODEL

    max_amount_in: float | None = Field(
        default=None, gt=0, description="whole tokens, a number > 0"
    )


class AllocateChainSettings(BaseModel):
    """`[allocate.chains.<chain>]`: one chain's budget over `[allocate]`'s."""

    model_config = MODEL

    per_chain_budget_usd: float | None = Field(default=None, gt=0, description=_BUDGET)


class AllocateSettings(BaseModel):
    """`[allocate]` (see the module docstring)."""

    model_config = MODEL

    inventory: bool = Field(default=True, description="true or false")
    max_inventory_share_bps: int = Field(
        default=10_000, ge=1, le=10_000, description="basis points, an integer from 1 to 10000"
    )
    per_chain_budget_usd: float | None = Field(default=None, gt=0, description=_BUDGET)
    tokens: dict[str, AllocateTokenSettings] = Field(
        default_factory=dict, description="one table per start token symbol"
    )
    chains: dict[str, AllocateChainSettings] = Field(
        default_factory=dict, description="one table per chain name"
    )


def inventory_caps(
    settings: AllocateSettings, chain: str, tokens: Iterable[TokenEntry]
) -> InventoryCaps | None:
    """`chain`'s inventory caps (None when `inventory` is off); `tokens` are the chain's.

    Raises `ConfigError` when a token cap is less than one base unit of its token."""
    if not settings.inventory:
        return None
    max_amount_in: dict[str, int] = {}
    for token in tokens:
        table = settings.tokens.get(token.symbol)
        if table is None or table.max_amount_in is None:
            continue
        amount = int(Decimal(str(table.max_amount_in)).scaleb(token.decimals))
        if amount < 1:
            raise ConfigError(
                f"allocate.tokens.{token.symbol}.max_amount_in: {table.max_amount_in:g} "
                f"{token.symbol} is less than one base unit (10^-{token.decimals})"
            )
        max_amount_in[token.address.lower()] = amount
    here = settings.chains.get(chain)
    budget = settings.per_chain_budget_usd
    if here is not None and here.per_chain_budget_usd is not None:
        budget = here.per_chain_budget_usd
    return InventoryCaps(
        max_share_bps=settings.max_inventory_share_bps,
        budget_usd=budget,
        max_amount_in=max_amount_in,
    )
