"""The bot's key rotation built from the `[key_pool]` settings, once its pipelines exist:

    run_bot(..., key_rotation=lambda engine: rotation_from_settings(
        engine, settings.key_pool, backend=keystore, audit=store.database,
        owner_of=lambda pipeline, pool: EoaOwner(...)))

One `Rotator` per chain over the chain's key pool (the execute stage's), its executor and the
owner `owner_of` gives (an `EoaOwner` or a Safe); the policy and pool size per chain from
`[key_pool]` and its `[key_pool.chains.NAME]` overrides.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from omniarb._config_key_pool import KeyPoolSettings
from omniarb.chain_pipeline import ChainPipeline
from omniarb.chains.spec import chain_by_id
from omniarb.custody.owner import OwnerActions
from omniarb.engine import Engine
from omniarb.execute.key_pool import KeyPool
from omniarb.keys.base import KeyBackend
from omniarb.keys.rotation import RotationSettings, Rotator
from omniarb.keys.rotation_log import AuditSink
from omniarb.keys.rotation_policy import RotationPolicy
from omniarb.keys.rotation_service import KeyRotationService

__all__ = ["rotation_from_settings"]

OwnerFactory = Callable[[ChainPipeline, KeyPool], Awaitable[OwnerActions]]


async def rotation_from_settings(
    engine: Engine,
    settings: KeyPoolSettings,
    *,
    backend: KeyBackend,
    audit: AuditSink,
    owner_of: OwnerFactory,
) -> KeyRotationService:
    """Every chain's rotation (see the module docstring)."""
    rotators: dict[str, Rotator] = {}
    policies: dict[str, RotationPolicy] = {}
    sizes: dict[str, int] = {}
    for pipeline in engine.pipelines:
        pool = pipeline.execute.submitter
        if not isinstance(pool, KeyPool):
            raise TypeError(f"{pipeline.name}: the execute stage has no key pool")
        chain = settings.for_chain(pipeline.name)
        chain_id = pipeline.stats.chain_id
        rotators[pipeline.name] = Rotator(
            chain=pipeline.name,
            chain_id=chain_id,
            rpc=pipeline.rpc,
            fee_model=chain_by_id(chain_id).fee_model,
            pool=pool,
            backend=backend,
            owner=await owner_of(pipeline, pool),
            executor=pipeline.execute.executor,
            audit=audit,
            settings=RotationSettings(gas_float_wei=chain.gas_float_wei or 0),
        )
        policies[pipeline.name] = RotationPolicy(
            max_age_s=chain.max_key_age_s or 0.0, max_tx_count=chain.max_key_tx_count or 0
        )
        sizes[pipeline.name] = chain.size or 1
    return KeyRotationService(
        rotators,
        policies=policies,
        sizes=sizes,
        check_interval_s=settings.check_interval_s,
    )
