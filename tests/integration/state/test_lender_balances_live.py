"""The flash lenders' balances kept from the token logs, against a real devnet chain: after
market trades, Aave withdrawals and supplies, WETH wrapped and unwrapped by a lender, tokens
sent to and from lenders, a gap and a reorg, every followed (token, holder) balance equals
`balanceOf` at the node at the book's block, and the live path took the logs from the
subscription (no `eth_getLogs` by hash in the usual case)."""

from __future__ import annotations

import asyncio

import pytest
from _lender_helpers import balance_of, empty, fill_wrapped_native, mined
from _state_helpers import latest_block, make_sync, rewrite_history, wait_subscribed, wait_until
from _syncs import collector_of
from eth_utils.crypto import keccak

from omniarb.allocate import LenderBook
from omniarb.chains.abi import encode_call
from omniarb.chains.blocks import read_head
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.market import MarketActivity, MarketParams
from omniarb.network import ChainManifest
from omniarb.state import LenderBalances, PoolStateSync, run_state
from omniarb.types import PoolUpdate
from omniarb.wiring import EXECUTOR_GAS

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
WETH = 10**18


def book_of(rpc: RpcClient, chain: ChainManifest, audit_every_blocks: int = 64) -> LenderBalances:
    lenders = LenderBook.from_manifest(chain, rpc, EXECUTOR_GAS)
    return LenderBalances(
        rpc=rpc,
        chain_id=chain.chain_id,
        pairs=lenders.holdings(),
        audit_every_blocks=audit_every_blocks,
    )


async def assert_matches_chain(rpc: RpcClient, book: LenderBalances) -> None:
    """Every followed balance equals `balanceOf` at the book's head (pinned by hash)."""
    head = book.head
    assert head is not None
    at = {"blockHash": head.hash}
    wrong = {}
    for token, holder in book.pairs:
        chain_value = await balance_of(rpc, token, holder, at)
        if book.balance(token, holder) != chain_value:
            wrong[(token, holder)] = (book.balance(token, holder), chain_value)
    assert not wrong, f"{len(wrong)} of {len(book.pairs)} balances differ: {wrong}"


async def send(rpc: RpcClient, tx: dict[str, str]) -> None:
    receipt = await mined(rpc, await rpc.call("eth_sendTransaction", tx))
    assert int(receipt["status"], 16) == 1, tx


async def aave_round_trip(rpc: RpcClient, chain: ChainManifest, symbol: str) -> None:
    """The deployer (Aave's first supplier) withdraws some of `symbol` from the aToken and
    supplies it back: Transfers of the underlying from and to the aToken."""
    pool = chain.lender("aave-v3").address
    token = chain.token(symbol)
    amount = 10**token.decimals * 1_000
    withdraw = encode_call(
        "withdraw(address,uint256,address)", token.address, amount, chain.deployer
    )
    supply = encode_call(
        "supply(address,uint256,address,uint16)", token.address, amount // 2, chain.deployer, 0
    )
    for data in (withdraw, supply):
        await send(rpc, {"from": chain.deployer, "to": pool, "data": data, "gas": hex(600_000)})


async def wrap_as(rpc: RpcClient, chain: ChainManifest, holder: str, amount: int) -> None:
    """`holder` (a lender, impersonated) wraps `amount` of its coin and unwraps half: WETH9's
    `Deposit` and `Withdrawal`, which move its balance without a `Transfer`."""
    weth = next(t for t in chain.tokens if t.wrapped_native).address
    await rpc.call("anvil_impersonateAccount", holder)
    await rpc.call("anvil_setBalance", holder, hex(10 * amount))
    try:
        await send(
            rpc,
            {
                "from": holder,
                "to": weth,
                "data": encode_call("deposit()"),
                "value": hex(amount),
                "gas": hex(100_000),
            },
        )
        await send(
            rpc,
            {
                "from": holder,
                "to": weth,
                "data": encode_call("withdraw(uint256)", amount // 2),
                "gas": hex(100_000),
            },
        )
    finally:
        await rpc.call("anvil_stopImpersonatingAccount", holder)


async def test_balances_follow_the_logs_with_each_block(devnet_factory) -> None:
    async with devnet_factory({CHAIN: 0.3}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            book = book_of(rpc, chain)
            sync = PoolStateSync([make_sync(rpc, chain)], book)
            out: asyncio.Queue[PoolUpdate] = asyncio.Queue(maxsize=4096)
            collector = collector_of(sync, chain.rpc_ws)
            activity = MarketActivity(
                net.manifest,
                MarketParams(seed=41, swaps_per_block=4, whale_probability=0.15, traders=6),
                chains=[CHAIN],
            )
            vault = chain.lender("balancer-v2").address
            manager = chain.dex("uniswap-v4").factory
            weth = chain.token("WETH").address
            async with asyncio.TaskGroup() as tasks:
                runner = tasks.create_task(run_state(sync=sync, collector=collector, out=out))
                await out.get()
                await wait_subscribed(collector)
                assert book.head is not None
                start_heads = book.counters.heads
                traders = tasks.create_task(activity.run(steps=20))
                await aave_round_trip(rpc, chain, "USDC")
                await wrap_as(rpc, chain, vault, 3 * WETH)
                await fill_wrapped_native(rpc, chain, vault, WETH, funder=9)
                await empty(rpc, weth, manager)
                await traders
                now = await latest_block(rpc)
                await wait_until(
                    lambda: book.head is not None and book.head.number >= now + 1,
                    what="the book to pass the last trade",
                )
                runner.cancel()
            await assert_matches_chain(rpc, book)
    counters = book.counters
    assert counters.heads - start_heads >= 10
    assert counters.logs > 50
    assert counters.resyncs == counters.errors == 0
    # The head path took its logs from the subscription: a fetch by hash (or a late log) only
    # where a head's logs did not come in the collector's wait (`collector.hold`), which the
    # node announced before them for most blocks here.
    pools = sync.stages[0].counters
    held = collector.hold.counters
    assert held.held >= 3, held
    assert counters.logs_by_hash + pools.logs_by_hash <= held.expired + 2, (counters, pools, held)
    assert counters.late_logs + pools.late_logs <= 2, (counters, pools)


async def test_a_gap_and_a_reorg_are_repaired(devnet_factory) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            book = book_of(rpc, chain, audit_every_blocks=1)
            await book.bootstrap()
            assert book.head is not None
            first = book.head.number + 1
            vault = chain.lender("balancer-v2").address
            weth = chain.token("WETH").address
            before = book.balance(weth, vault)
            assert before is not None

            # A gap: blocks the book never saw, applied from eth_getLogs at the next head.
            await fill_wrapped_native(rpc, chain, vault, 2 * WETH)
            await aave_round_trip(rpc, chain, "USDT")
            await book.process(await read_head(rpc, chain.chain_id))
            assert book.counters.backfills == 1
            assert book.balance(weth, vault) == before + 2 * WETH
            await assert_matches_chain(rpc, book)

            # A reorg: the blocks above `first` are re-mined without their transactions; the
            # balances they moved are re-read at the new head.
            await rewrite_history(rpc, first)
            await rpc.call("evm_mine")
            await book.process(await read_head(rpc, chain.chain_id))
            assert book.counters.reorgs == 1
            assert book.balance(weth, vault) == before
            await assert_matches_chain(rpc, book)

            # After the reorg, the audit (due every block here) finds nothing to correct.
            assert await book.refresh() == 0
            assert book.counters.audits == 1
            assert book.counters.drifted == 0

            # A balance moved with no log (written straight into WETH9's `balanceOf` slot, as a
            # rebasing token moves balances): the audit finds it, counts it and corrects it.
            moved = before + 12_345
            slot = keccak(bytes.fromhex(vault[2:].lower().rjust(64, "0")) + (3).to_bytes(32, "big"))
            await rpc.call("anvil_setStorageAt", weth, "0x" + slot.hex(), f"0x{moved:064x}")
            await rpc.call("evm_mine")
            await book.process(await read_head(rpc, chain.chain_id))
            assert book.balance(weth, vault) == before  # no log said so
            assert await book.refresh() == 1
            assert book.counters.drifted == 1
            assert book.balance(weth, vault) == moved
            await assert_matches_chain(rpc, book)
