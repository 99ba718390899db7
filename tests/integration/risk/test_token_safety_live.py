"""Token safety on the devnet's Ethereum: each trap token (contracts/devnet/DevTrapTokens.sol) is
found by simulating a trade against the chain's state, with the right reason, and the real
tokens pass. The bot is given only token and pool addresses, never which token is a trap."""

from __future__ import annotations

import pytest
from _receipts import mined_receipt

from omniarb._config_tokens import TokenRiskSettings
from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import DexKind
from omniarb.network import ChainManifest, PoolEntry
from omniarb.risk.token_safety import TokenReason, TokenSafety, TokenScreen
from omniarb.types import Decision, Hop, Opportunity, OpportunitySource, Route

pytestmark = pytest.mark.integration

# The address our executor would hold the tokens at: any address without special standing.
EXECUTOR = "0x00000000000000000000000000000000e8ec0001"
REAL_TOKENS = ("WETH", "USDC", "USDT", "DAI", "WBTC", "LINK", "UNI")


async def send(rpc: RpcClient, sender: str, to: str, data: str) -> None:
    tx_hash = await rpc.call("eth_sendTransaction", {"from": sender, "to": to, "data": data})
    receipt = await mined_receipt(rpc, tx_hash)
    assert int(receipt["status"], 16) == 1


def decision(route: Route) -> Decision:
    opportunity = Opportunity(
        id="op",
        chain_id=route.chain_id,
        block_number=1,
        route=route,
        amount_in=10**18,
        amount_out=11 * 10**17,
        gross_profit=10**17,
        gas_estimate=200_000,
        gas_price_wei=10**9,
        gas_cost_wei=2 * 10**14,
        net_profit=10**17 - 2 * 10**14,
        net_profit_usd=300.0,
        source=OpportunitySource.BLOCK,
        detected_ns=1,
    )
    return Decision(
        opportunity=opportunity,
        approved=True,
        reasons=("net profit clears gas and the floor",),
        amount_in=opportunity.amount_in,
        min_profit=0,
        p_success=1.0,
        expected_value_usd=300.0,
        bribe_wei=0,
        flash_source=None,
        decided_ns=2,
    )


class Clock:
    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s


def v2_pool(chain: ChainManifest, token: str, other: str) -> PoolEntry:
    return next(
        p
        for p in chain.pools
        if p.kind == DexKind.UNISWAP_V2 and {p.symbol0, p.symbol1} == {token, other}
    )


def hop(pool: PoolEntry, token_in: str) -> Hop:
    zero_for_one = pool.token0 == token_in
    return Hop(
        pool=pool.address,
        dex=pool.dex,
        kind=pool.kind,
        token_in=token_in,
        token_out=pool.token1 if zero_for_one else pool.token0,
        zero_for_one=zero_for_one,
        fee_pips=pool.fee,
    )


async def test_each_trap_token_is_found_with_its_reason_and_real_tokens_pass(
    devnet_factory,
) -> None:
    async with devnet_factory({"ethereum": None}, traps=True) as net:
        chain = net.manifest.chain("ethereum")
        async with RpcClient(chain.rpc_http) as rpc:
            safety = TokenSafety(rpc=rpc, executor=EXECUTOR, settings=TokenRiskSettings())
            expected = {
                "FEE5": (TokenReason.TRANSFER_TAX,),
                "HONEY": (TokenReason.SELL_REVERTS,),
                "PAUSE": (TokenReason.PAUSED,),
                "BLOCK": (TokenReason.BLACKLIST,),
            }
            for symbol, reasons in expected.items():
                for quote in ("WETH", "USDC"):
                    pool = v2_pool(chain, symbol, quote)
                    fresh = TokenSafety(rpc=rpc, executor=EXECUTOR, settings=TokenRiskSettings())
                    verdict = await fresh.check(chain.token(symbol).address, pool.address)
                    assert verdict.reasons == reasons, (symbol, quote, verdict)
            fee = await safety.check(
                chain.token("FEE5").address, v2_pool(chain, "FEE5", "WETH").address
            )
            # 5% of each leg goes to the token's owner (floor division on the way).
            assert 499 <= fee.tax_bps <= 500

            # Each real token with one pool of every kind that holds its tokens, where it has one.
            holding_kinds = (DexKind.UNISWAP_V2, DexKind.UNISWAP_V3, DexKind.PANCAKESWAP_V3)
            kinds_seen: set[str] = set()
            for symbol in REAL_TOKENS:
                pools = [p for p in chain.pools if symbol in (p.symbol0, p.symbol1)]
                holding = [
                    next(p for p in pools if p.kind == kind)
                    for kind in holding_kinds
                    if any(p.kind == kind for p in pools)
                ]
                assert holding, symbol
                for pool in holding:
                    kinds_seen.add(pool.kind)
                    fresh = TokenSafety(rpc=rpc, executor=EXECUTOR, settings=TokenRiskSettings())
                    verdict = await fresh.check(chain.token(symbol).address, pool.address)
                    assert verdict.reasons == (), (symbol, pool.dex, verdict)
                    assert verdict.tax_bps == 0, (symbol, pool.dex, verdict)
            assert kinds_seen == set(holding_kinds)

            # A route through FEE5 is refused for FEE5 only: WETH and USDC pass.
            weth, usdc, fee5 = (chain.token(s).address for s in ("WETH", "USDC", "FEE5"))
            route = Route(
                chain_id=chain.chain_id,
                hops=(
                    hop(v2_pool(chain, "FEE5", "WETH"), weth),
                    hop(v2_pool(chain, "FEE5", "USDC"), fee5),
                    hop(v2_pool(chain, "WETH", "USDC"), usdc),
                ),
            )
            assert await safety.reasons_for(route) == (f"{fee5.lower()}: transfer_tax",)

            # As the risk rule: an approved decision through FEE5 is declined with the reason.
            screen = TokenScreen(safety=safety)
            declined = await screen.process(decision(route))
            assert not declined.approved
            assert declined.reasons == (f"token safety: {fee5.lower()}: transfer_tax",)
            usdc_weth = v2_pool(chain, "WETH", "USDC")
            dai_weth = v2_pool(chain, "WETH", "DAI")
            dai_usdc = v2_pool(chain, "DAI", "USDC")
            dai = chain.token("DAI").address
            clean = Route(
                chain_id=chain.chain_id,
                hops=(hop(usdc_weth, weth), hop(dai_usdc, usdc), hop(dai_weth, dai)),
            )
            assert await screen.process(decision(clean)) == decision(clean)


async def test_verdicts_expire_lists_decide_and_odd_tokens_do_not_raise(devnet_factory) -> None:
    async with devnet_factory({"ethereum": None}, traps=True) as net:
        chain = net.manifest.chain("ethereum")
        async with RpcClient(chain.rpc_http) as rpc:
            clock = Clock()
            settings = TokenRiskSettings(verdict_ttl_s=60.0)
            safety = TokenSafety(rpc=rpc, executor=EXECUTOR, settings=settings, clock=clock)
            pause = chain.token("PAUSE").address
            pool = v2_pool(chain, "PAUSE", "WETH").address
            assert (await safety.check(pause, pool)).reasons == (TokenReason.PAUSED,)

            await send(rpc, chain.deployer, pause, encode_call("unpause()"))
            clock.now_s += 59.0
            assert (await safety.check(pause, pool)).reasons == (TokenReason.PAUSED,)
            clock.now_s += 1.0
            assert (await safety.check(pause, pool)).safe

            honey = chain.token("HONEY").address
            pool_of_honey = v2_pool(chain, "HONEY", "USDC").address
            weth = chain.token("WETH").address
            listed = TokenSafety(
                rpc=rpc,
                executor=EXECUTOR,
                settings=TokenRiskSettings(allow=(honey,), deny=(weth,)),
            )
            assert (await listed.check(honey, v2_pool(chain, "HONEY", "WETH").address)).safe
            denied = await listed.check(weth.upper().replace("0X", "0x"), None)
            assert denied.reasons == (TokenReason.DENIED,)

            # Calls that revert or answer nothing: the factory is no token, an account holds no
            # code, and no pool at all is given.
            factory = chain.dex("uniswap-v2").factory
            odd = TokenSafety(rpc=rpc, executor=EXECUTOR, settings=settings, clock=clock)
            for token, holder in ((factory, pool), (EXECUTOR, pool), (pause, EXECUTOR)):
                verdict = await odd.check(token, holder)
                assert verdict.reasons == (TokenReason.UNVERIFIABLE,), (token, holder, verdict)
            # No pool to send a buy: not judged, not refused, not cached.
            verdict = await odd.check(chain.token("LINK").address, None)
            assert (verdict.reasons, verdict.checked) == ((), False)
            # Unless the chain's pools name one that holds it.
            link = chain.token("LINK").address
            held = TokenSafety(
                rpc=rpc,
                executor=EXECUTOR,
                settings=settings,
                holders={link: v2_pool(chain, "LINK", "WETH").address, honey: pool_of_honey},
            )
            assert (await held.check(link, None)).checked
            assert (await held.check(honey, None)).reasons == (TokenReason.SELL_REVERTS,)
