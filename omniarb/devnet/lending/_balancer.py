"""The Balancer V2 Vault as a flash lender (`@balancer-labs/v2-deployments` 3.2.0, the audited
2021 build): an Authorizer and the Vault, with mainnet's pause-window and buffer durations.

The Vault lends whatever token balance it holds, so funding it is a plain transfer. Its flash fee
is the ProtocolFeesCollector's percentage, 0 as deployed (as on mainnet).
"""

from __future__ import annotations

from collections.abc import Sequence

from eth_utils.address import to_checksum_address

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.lending._artifacts import lender_artifact
from omniarb.devnet.lending._tx import TxSender, fund, usd_amount, view
from omniarb.network import LenderAsset, LenderEntry, TokenEntry

__all__ = ["deploy_balancer"]

# Liquidity per token in USD, sized to the devnet's pools (≤ $50M), so no arbitrage the devnet
# can open is ever short of a lender.
_BALANCER_LIQUIDITY_USD = 10_000_000
# Mainnet Vault's constructor values (90 and 30 days, the maxima the Vault accepts).
_PAUSE_WINDOW_S = 90 * 86_400
_BUFFER_PERIOD_S = 30 * 86_400


async def deploy_balancer(
    rpc: RpcClient, deployer: TxSender, tokens: Sequence[TokenEntry], *, weth: TokenEntry
) -> LenderEntry:
    """Authorizer + Vault, each of `tokens` transferred into the Vault."""
    authorizer = await deployer.deploy(
        "balancer Authorizer", lender_artifact("Authorizer"), ["address"], [deployer.address]
    )
    vault = await deployer.deploy(
        "balancer Vault",
        lender_artifact("Vault"),
        ["address", "address", "uint256", "uint256"],
        [authorizer, weth.address, _PAUSE_WINDOW_S, _BUFFER_PERIOD_S],
    )
    assets = []
    for token in tokens:
        amount = usd_amount(token, _BALANCER_LIQUIDITY_USD)
        await fund(deployer, token, vault, amount)
        assets.append(
            LenderAsset(symbol=token.symbol, address=token.address, holder=vault, amount=amount)
        )
    fees_collector = await view(rpc, vault, "getProtocolFeesCollector()", "address")
    return LenderEntry(
        name="balancer-v2",
        kind="balancer-v2",
        address=vault,
        fee_pips=0,
        assets=tuple(assets),
        contracts={
            "authorizer": authorizer,
            "protocol_fees_collector": str(to_checksum_address(fees_collector)),
        },
    )
