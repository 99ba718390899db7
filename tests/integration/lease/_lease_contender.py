"""One contender for a signer lease, as a worker process: wait for the lease, then "submit" in
a loop — sign with a `FencedSigner` and claim under a `FencedGuard` (the claim, with its fencing
token and this process's host:pid, is the record) — until told to stop (SIGTERM: release and
exit 0) or refused (`StaleLeaseError`: step down, exit 3).

    python _lease_contender.py REDIS_URL PREFIX PG_URL HOLDER TTL_S MODE

MODE `signer`: each submission signs first, then claims (the submitter's order), so a process
frozen past its lease is refused by the signer's local validity. MODE `guard`: it only claims,
as if frozen between signing and claiming: the claim's round trip finds the newer token.

Prints `standby`, `acquired <token>`, and on the way out `stepping down: <why>` (stderr).
"""

from __future__ import annotations

import asyncio
import signal
import sys

from omniarb.chains.fees import Eip1559Fees
from omniarb.cluster.fence import FencedGuard, FencedSigner, claims_floor
from omniarb.cluster.lease import SignerLease, StaleLeaseError
from omniarb.config import RedisSettings
from omniarb.devnet.accounts import dev_account
from omniarb.errors import RetryableError
from omniarb.execute.signer import Signer
from omniarb.store import HistoryDatabase, SubmissionLedger

CHAIN_ID = 31337
# anvil's first public test account: never a real key.
# anvil's account 0: a public test key.
KEY = dev_account(0).private_key
FEES = Eip1559Fees(max_fee_per_gas_wei=2_000_000_000, max_priority_fee_per_gas_wei=1_000_000)
SUBMIT_EVERY_S = 0.02
STEPPED_DOWN = 3


async def main(
    redis_url: str, prefix: str, pg_url: str, holder: str, ttl_s: float, mode: str
) -> int:
    database = HistoryDatabase.open(pg_url, migrate=False)
    ledger = SubmissionLedger(database)
    settings = RedisSettings.model_validate(
        {"enabled": True, "url": redis_url, "key_prefix": prefix}
    )
    lease = await SignerLease.connect(
        settings,
        name=f"devnet:{CHAIN_ID}",
        holder=holder,
        ttl_s=ttl_s,
        floor=claims_floor(ledger, chain_id=CHAIN_ID),
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        print("standby", flush=True)
        token = await lease.wait_acquire(stop)
        print(f"acquired {token}", flush=True)
        lost = asyncio.Event()
        keeping = asyncio.create_task(lease.keep(lost))
        signer = FencedSigner(Signer(KEY, chain_id=CHAIN_ID), lease)
        guard = FencedGuard(ledger, lease)
        nonce = 0
        try:
            while not stop.is_set():
                # The loop does not look at `lost`: a submission after the lease is lost must
                # be refused by the fence itself.
                tx_hash = None
                if mode == "signer":
                    tx_hash = signer.sign(
                        nonce=nonce, to=None, data=b"", gas=21_000, fees=FEES
                    ).tx_hash
                key = f"{holder}-{nonce}"
                try:
                    claimed = await guard.claim(
                        key, chain_id=CHAIN_ID, tx_hash=tx_hash, nonce=nonce
                    )
                except RetryableError as exc:
                    # As the execute stage does: not sent, the next one tries again. (Frozen
                    # inside a claim's transaction, the server ended our session.)
                    print(f"not sent: {exc}", file=sys.stderr, flush=True)
                    continue
                if not claimed:
                    raise AssertionError(f"{key} was claimed before")
                nonce += 1
                await asyncio.sleep(SUBMIT_EVERY_S)
        except StaleLeaseError as exc:
            print(f"stepping down: {exc}", file=sys.stderr, flush=True)
            return STEPPED_DOWN
        finally:
            keeping.cancel()
        await lease.release()
        return 0
    finally:
        await lease.close()
        ledger.close()
        database.dispose()


if __name__ == "__main__":
    redis_url, prefix, pg_url, holder, ttl, mode = sys.argv[1:7]
    sys.exit(asyncio.run(main(redis_url, prefix, pg_url, holder, float(ttl), mode)))
