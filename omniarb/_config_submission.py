"""`[submission.<chain>]`: where a chain's trades go, the bribe they offer, and whether the
chain's pending transactions are watched for backruns.

    [submission.ethereum]
    relay_url = "https://relay.example"   # the bundle relay (on the devnet: the devnet's own)
    bribe_share_bps = 5000                # of a trade's expected profit, paid to the builder
    target_blocks_ahead = 2               # a bundle is offered for the next 2 blocks
    watch_mempool = true                  # decode pending transactions and backrun them

Each chain's `SubmissionPolicy` (in its `ChainSpec`) decides the channel; `submission_for`
resolves it with this table and the network description into a `Submission`:

- Ethereum (`bundle`): every trade, block-triggered too, goes as a bundle to the relay. A
  public transaction is seen and front-run; a bundle that would revert is never included, so
  it costs nothing.
- BNB Chain (`bundle-or-public`): bundles when a bundle endpoint (`relay_url`) is configured,
  else the public mempool. Its builders take bundles, but validators take the mempool too.
- Polygon (`public`): the public mempool; there is no bundle market to rely on.
- Arbitrum, Optimism (`sequencer`): the sequencer, first come, first served. No mempool is
  visible there, so backruns come from new blocks, as on the real chains.

Defaults, and why:
- `bribe_share_bps` (0 to 10,000 basis points of the trade's expected profit): 5,000 on a
  bundle (Ethereum; BNB Chain when it bundles). A builder includes the bundle that pays it
  most; competing searchers on mainnet pay most of a backrun's profit, while on the devnet any
  bribe wins. Half is a starting point that keeps half for us; the operator (or the optimizer)
  tunes it. 0 on the public mempool, where the tip orders transactions and a transfer to the
  block's producer buys nothing; a sequencer ignores both, so a bribe there is refused.
- `target_blocks_ahead` (1 to 25): 2. A bundle offered for the next block only is lost when
  it reaches the relay after that block was built; a bundle for a block in which the trade
  would revert (the on-chain minimum profit no longer met) is dropped by the builder unpaid,
  so a second block costs nothing. Used only by bundles.
- `watch_mempool`: true where the chain has a public mempool, false on a sequencer chain
  (true there is refused: as on the real chains, the devnet's L2 mempool would show what no
  real searcher can see).

`relay_url`: this table's, else the network description's (`ChainManifest.relay_url`: the
devnet writes its relay's there, None when none runs). A `relay_url` on a chain whose policy
sends no bundles (Polygon, the sequencer chains) is refused. A bundle chain without one is a
`ConfigError` on a described network; on the devnet (no relay running) its trades go to the
public mempool, and the records say so (channel `public`).

The relay reputation key signs relay requests (`omniarb.execute.relay_auth`); it holds no
funds and is not the bot's key. It comes from `OMNIARB_RELAY_KEY` (a secret: never in this
file, never shown). When unset on the devnet, `relay_reputation_key` makes a fresh one per run:
the devnet's relay ranks no one by history, so nothing is lost.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, field_validator

from omniarb._config_errors import Problem, format_path
from omniarb._config_services import MODEL, check_url
from omniarb._secrets import RELAY_KEY_ENV, Secrets
from omniarb.chains.spec import ChainSpec, SubmissionPolicy
from omniarb.errors import ConfigError
from omniarb.types import SubmitChannel

if TYPE_CHECKING:
    from omniarb.config import Settings
    from omniarb.network import ChainManifest

__all__ = [
    "DEFAULT_BUNDLE_BRIBE_SHARE_BPS",
    "DEFAULT_TARGET_BLOCKS_AHEAD",
    "ChainSubmissionSettings",
    "Submission",
    "relay_reputation_key",
    "submission_for",
    "submission_problems",
]

DEFAULT_BUNDLE_BRIBE_SHARE_BPS = 5_000
DEFAULT_TARGET_BLOCKS_AHEAD = 2
_MAX_BPS = 10_000
# The order of the secp256k1 group: a private key is an integer in [1, n).
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_BUNDLING = (SubmissionPolicy.BUNDLE, SubmissionPolicy.BUNDLE_OR_PUBLIC)


class ChainSubmissionSettings(BaseModel):
    """One chain's submission overrides (see the module docstring); unset keys take the
    chain's defaults."""

    model_config = MODEL

    relay_url: str | None = Field(
        default=None, description="an http:// or https:// URL of a bundle relay"
    )
    bribe_share_bps: int | None = Field(
        default=None, ge=0, le=_MAX_BPS, description="basis points, an integer from 0 to 10000"
    )
    target_blocks_ahead: int = Field(
        default=DEFAULT_TARGET_BLOCKS_AHEAD,
        ge=1,
        le=25,
        description="blocks, an integer from 1 to 25",
    )
    watch_mempool: bool | None = Field(default=None, description="true or false")

    @field_validator("relay_url")
    @classmethod
    def _check_relay_url(cls, url: str | None) -> str | None:
        return None if url is None else check_url(url, ("http", "https"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """How one chain's trades are sent: `channel` (resolved from the chain's `policy`), the
    relay a bundle goes to (None unless `channel` is bundle), the share of a trade's expected
    profit offered as a bribe, how many blocks a bundle targets, and whether pending
    transactions are watched for backruns."""

    chain: str
    policy: SubmissionPolicy
    channel: SubmitChannel
    relay_url: str | None
    bribe_share_bps: int
    target_blocks_ahead: int
    watch_mempool: bool

    def __post_init__(self) -> None:
        if not 0 <= self.bribe_share_bps <= _MAX_BPS:
            raise ValueError(f"bribe share {self.bribe_share_bps} bps is outside 0..10000")
        if (self.channel is SubmitChannel.BUNDLE) != (self.relay_url is not None):
            raise ValueError("a relay URL goes with the bundle channel, and only with it")


def submission_problems(spec: ChainSpec, table: ChainSubmissionSettings) -> list[Problem]:
    """What `[submission.<chain>]` asks that `spec`'s chain cannot do."""
    prefix = ("submission", spec.name)
    problems = []
    if table.relay_url is not None and spec.submission not in _BUNDLING:
        problems.append(
            Problem(
                path=format_path((*prefix, "relay_url")),
                message=f"{spec.name} takes no bundles (its trades go to the "
                f"{_channel_name(spec.submission)}); remove relay_url",
            )
        )
    if spec.submission is SubmissionPolicy.SEQUENCER:
        if table.bribe_share_bps:
            problems.append(
                Problem(
                    path=format_path((*prefix, "bribe_share_bps")),
                    message=f"{spec.name}'s sequencer orders first come, first served: a bribe "
                    "buys nothing there; use 0 or remove the key",
                )
            )
        if table.watch_mempool:
            problems.append(
                Problem(
                    path=format_path((*prefix, "watch_mempool")),
                    message=f"{spec.name} has no public mempool to watch (a sequencer chain: "
                    "backruns come from new blocks); use false or remove the key",
                )
            )
    return problems


def _channel_name(policy: SubmissionPolicy) -> str:
    return "sequencer" if policy is SubmissionPolicy.SEQUENCER else "public mempool"


def submission_for(
    spec: ChainSpec,
    settings: Settings,
    *,
    network: ChainManifest | None = None,
    devnet: bool = False,
) -> Submission:
    """How `spec`'s trades are sent, from its policy, its `[submission.<chain>]` table and the
    network description's `relay_url` (`network`, when given).

    Raises `ConfigError` when a bundle-only chain has no relay on a described network
    (`devnet` false); on the devnet such a chain sends to the public mempool.
    """
    table = settings.submission.get(spec.name, ChainSubmissionSettings())
    problems = submission_problems(spec, table)
    if problems:
        # `Settings` refuses these when it loads; a hand-built one gets the same message.
        raise ConfigError("; ".join(f"{p.path}: {p.message}" for p in problems))
    relay_url = table.relay_url or (None if network is None else network.relay_url)
    policy = spec.submission
    if policy is SubmissionPolicy.SEQUENCER:
        channel = SubmitChannel.SEQUENCER
    elif policy in _BUNDLING and relay_url is not None:
        channel = SubmitChannel.BUNDLE
    elif policy is SubmissionPolicy.BUNDLE and not devnet:
        raise ConfigError(
            f"submission.{spec.name}.relay_url: {spec.display_name} sends every trade as a "
            "bundle, and no relay is configured; set [submission."
            f"{spec.name}] relay_url or the network description's relay_url"
        )
    else:
        channel = SubmitChannel.PUBLIC
    default_bribe = DEFAULT_BUNDLE_BRIBE_SHARE_BPS if channel is SubmitChannel.BUNDLE else 0
    watch_default = policy is not SubmissionPolicy.SEQUENCER
    return Submission(
        chain=spec.name,
        policy=policy,
        channel=channel,
        relay_url=relay_url if channel is SubmitChannel.BUNDLE else None,
        bribe_share_bps=default_bribe if table.bribe_share_bps is None else table.bribe_share_bps,
        target_blocks_ahead=table.target_blocks_ahead,
        watch_mempool=watch_default if table.watch_mempool is None else table.watch_mempool,
    )


def relay_reputation_key(secrets: Secrets, *, devnet: bool) -> bytes:
    """The 32-byte key that signs relay requests: `OMNIARB_RELAY_KEY`, else on the devnet a
    fresh random one (the devnet's relay keeps no reputation across runs); a `ConfigError`
    on a described network without it. Never log or show what it returns."""
    if secrets.relay_key is not None:
        return bytes.fromhex(secrets.relay_key.get_secret_value().removeprefix("0x"))
    if not devnet:
        raise ConfigError(
            f"{RELAY_KEY_ENV} is not set: bundles are signed with the searcher's reputation key "
            "(any secp256k1 key; it holds no funds); set it in the environment"
        )
    while True:
        key = os.urandom(32)
        if 0 < int.from_bytes(key, "big") < _SECP256K1_N:
            return key
