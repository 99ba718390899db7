"""Which lender holds what on a devnet chain, and both deployed in that order.

What each lender holds is chosen so that each is the cheapest for some trades, as happens on
mainnet where inventories differ by token and chain: the Vault holds the three stablecoins (as
a stable pool's tokens would sit there) and no wrapped native coin; Aave lists all four. A
route opening with a V3 pool from USDC then borrows from the Vault for free; from the wrapped
native coin, from a 0.05% V3 pool outside the route, or from Aave when the route itself uses
every such pool.
"""

from __future__ import annotations

from collections.abc import Sequence

from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import ChainSpec
from omniarb.devnet.lending._aave_market import deploy_aave
from omniarb.devnet.lending._balancer import deploy_balancer
from omniarb.devnet.lending._tx import TxSender
from omniarb.errors import DevnetError
from omniarb.network import LenderEntry, TokenEntry

__all__ = ["LENDER_STABLE_SYMBOLS", "deploy_lenders"]

# The stablecoins both lenders hold on every chain; Aave also lists the wrapped native coin.
LENDER_STABLE_SYMBOLS = ("USDC", "USDT", "DAI")


async def deploy_lenders(
    chain: ChainSpec, rpc: RpcClient, deployer: TxSender, tokens: Sequence[TokenEntry]
) -> tuple[LenderEntry, ...]:
    """Both lenders on `chain`: the Vault holding its stablecoins, Aave lending those and its
    wrapped native coin."""
    stables = [t for t in tokens if t.symbol in LENDER_STABLE_SYMBOLS]
    wrapped = [t for t in tokens if t.wrapped_native]
    if len(stables) != len(LENDER_STABLE_SYMBOLS) or len(wrapped) != 1:
        raise DevnetError(f"{chain.name}: the base tokens of the lenders are not all deployed")
    balancer = await deploy_balancer(rpc, deployer, stables, weth=wrapped[0])
    aave = await deploy_aave(chain, rpc, deployer, [*wrapped, *stables])
    return balancer, aave
