"""The devnet bot's key rotation: new executor keys are made where the bot's first key lives
(the run's keystore, or the SoftHSM2 token: `omniarb.devnet.bot_keys`) and authorized by each
chain's 2-of-3 Safe, signed by the devnet accounts that own it (`omniarb.devnet.custody`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from omniarb._config_key_pool import KeyPoolSettings
from omniarb.chain_pipeline import ChainPipeline
from omniarb.custody.owner import OwnerActions
from omniarb.devnet.bot_keys import DevnetBotKeys
from omniarb.devnet.custody import devnet_safe_owner
from omniarb.engine import Engine
from omniarb.execute.key_pool import KeyPool
from omniarb.keys.rotation_log import AuditSink
from omniarb.keys.rotation_service import KeyRotationService
from omniarb.keys.rotation_setup import rotation_from_settings
from omniarb.network import Manifest

__all__ = ["devnet_key_rotation"]


def devnet_key_rotation(
    manifest: Manifest, keys: DevnetBotKeys, settings: KeyPoolSettings, audit: AuditSink
) -> Callable[[Engine], Awaitable[KeyRotationService]]:
    """What `run_bot(key_rotation=...)` takes on the devnet of `manifest`, whose bot's keys are
    `keys` (the `DevnetAccess`'s)."""

    async def owner_of(pipeline: ChainPipeline, _pool: KeyPool) -> OwnerActions:
        return devnet_safe_owner(pipeline.rpc, manifest.chain(pipeline.name))

    async def build(engine: Engine) -> KeyRotationService:
        return await rotation_from_settings(
            engine,
            settings,
            backend=keys.backend(),
            audit=audit,
            owner_of=owner_of,
        )

    return build
