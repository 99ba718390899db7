"""The devnet bot's key rotation: new executor keys are made in the run's keystore (the one the
bot's first key lives in, `omniarb.devnet.bot_keystore`) and authorized by each chain's 2-of-3
Safe, signed by the devnet accounts that own it (`omniarb.devnet.custody`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from omniarb._config_key_pool import KeyPoolSettings
from omniarb.chain_pipeline import ChainPipeline
from omniarb.custody.owner import OwnerActions
from omniarb.devnet.bot_keystore import bot_keystore
from omniarb.devnet.custody import devnet_safe_owner
from omniarb.engine import Engine
from omniarb.execute.key_pool import KeyPool
from omniarb.keys.rotation_log import AuditSink
from omniarb.keys.rotation_service import KeyRotationService
from omniarb.keys.rotation_setup import rotation_from_settings
from omniarb.network import Manifest

__all__ = ["devnet_key_rotation"]


def devnet_key_rotation(
    manifest: Manifest, manifest_path: Path, settings: KeyPoolSettings, audit: AuditSink
) -> Callable[[Engine], Awaitable[KeyRotationService]]:
    """What `run_bot(key_rotation=...)` takes on the devnet whose manifest is at `manifest_path`."""

    async def owner_of(pipeline: ChainPipeline, _pool: KeyPool) -> OwnerActions:
        return devnet_safe_owner(pipeline.rpc, manifest.chain(pipeline.name))

    async def build(engine: Engine) -> KeyRotationService:
        return await rotation_from_settings(
            engine,
            settings,
            backend=bot_keystore(manifest_path.parent),
            audit=audit,
            owner_of=owner_of,
        )

    return build
