"""The chain's trap tokens (`omniarb.devnet.traps`): deployed, minted to the deployer, paired
with WETH and USDC on the trap DEX at prices 10% apart, their pairs registered with the token
(`setPair`, which a honeypot and a blacklist need to tell buys and sells apart), and the
pausable one paused once its pools are filled. Deployed after the catalog's pools and before
the traders are funded: no trader holds or approves them.
"""

from __future__ import annotations

from fractions import Fraction

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.contracts import load_artifact
from omniarb.devnet.catalog import REFERENCE_PRICES_USD, ChainCatalog
from omniarb.devnet.deploy._sender import Sender, checksum, mined_receipt
from omniarb.devnet.deploy._tokens import MAX_UINT
from omniarb.devnet.kinds._calls import DEADLINE
from omniarb.devnet.pricing import amount_for_usd
from omniarb.devnet.traps import TRAP_DEX, TRAP_QUOTES, TrapTokenDef, traps_for
from omniarb.network import DexEntry, PoolEntry, TokenEntry

__all__ = ["TRAP_CONTRACTS", "deploy_traps"]

TRAP_CONTRACTS = ("DevFeeToken", "DevHoneypotToken", "DevPausableToken", "DevBlacklistToken")
_POOL_GAS = 5_000_000


async def _deploy_one(deployer: Sender, trap: TrapTokenDef) -> str:
    artifact = load_artifact(trap.contract)
    types = ["string", "string", "uint8"]
    args: list[object] = [trap.name, trap.symbol, trap.decimals]
    if trap.fee_bps is not None:
        types.append("uint256")
        args.append(trap.fee_bps)
    return await deployer.deploy(trap.symbol, artifact, types, args)


async def deploy_traps(
    rpc: RpcClient,
    deployer: Sender,
    chain_name: str,
    catalog: ChainCatalog,
    tokens: dict[str, str],
    dexes: list[DexEntry],
) -> tuple[list[TokenEntry], list[PoolEntry]]:
    """Deploy `chain_name`'s trap tokens and their pools; their manifest entries."""
    traps = traps_for(chain_name)
    if not traps:
        return [], []
    dex = next(d for d in dexes if d.name == TRAP_DEX)
    if dex.fee_pips is None:
        raise ValueError(f"{dex.name} has no fee")
    token_entries: list[TokenEntry] = []
    pool_entries: list[PoolEntry] = []
    for trap in traps:
        address = await _deploy_one(deployer, trap)
        token_entries.append(
            TokenEntry(
                symbol=trap.symbol,
                address=address,
                decimals=trap.decimals,
                name=trap.name,
                asset=trap.symbol,
            )
        )
        prices = {
            TRAP_QUOTES[0]: trap.price_usd,
            TRAP_QUOTES[1]: trap.price_usd * trap.usdc_premium,
        }
        put = {
            q: amount_for_usd(Fraction(trap.depth_usd, 2), p, trap.decimals)
            for q, p in prices.items()
        }
        await deployer.send(
            f"mint {trap.symbol}",
            address,
            encode_call("mint(address,uint256)", deployer.address, sum(put.values())),
        )
        await deployer.send(
            f"approve {trap.symbol}",
            address,
            encode_call("approve(address,uint256)", dex.router, MAX_UINT),
        )
        for quote in TRAP_QUOTES:
            quote_def = catalog.token(quote)
            quote_amount = amount_for_usd(
                Fraction(trap.depth_usd, 2),
                REFERENCE_PRICES_USD[quote_def.asset],
                quote_def.decimals,
            )
            await deployer.send(
                f"{dex.name} {trap.symbol}/{quote} liquidity",
                dex.router,
                encode_call(
                    "addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)",
                    address,
                    tokens[quote],
                    put[quote],
                    quote_amount,
                    0,
                    0,
                    deployer.address,
                    DEADLINE,
                ),
                gas=_POOL_GAS,
            )
            await mined_receipt(rpc, deployer.sent[-1][1])
            answer = await rpc.call(
                "eth_call",
                {
                    "to": dex.factory,
                    "data": encode_call("getPair(address,address)", address, tokens[quote]),
                },
                "latest",
            )
            pair = checksum(decode(["address"], answer)[0])
            await deployer.send(
                f"{trap.symbol} registers its {quote} pair",
                address,
                encode_call("setPair(address,bool)", pair, True),
            )
            ends = sorted(
                [(trap.symbol, address), (quote, tokens[quote])], key=lambda t: int(t[1], 16)
            )
            pool_entries.append(
                PoolEntry(
                    address=pair,
                    dex=dex.name,
                    kind=dex.kind,
                    token0=ends[0][1],
                    token1=ends[1][1],
                    fee=dex.fee_pips,
                    symbol0=ends[0][0],
                    symbol1=ends[1][0],
                    tick_spacing=None,
                    pool_id=None,
                )
            )
        if trap.pauses:
            await deployer.send(f"pause {trap.symbol}", address, encode_call("pause()"))
    await mined_receipt(rpc, deployer.sent[-1][1])
    return token_entries, pool_entries
