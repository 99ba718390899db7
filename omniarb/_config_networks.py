"""`[chains.NAME]`: a real network for `omniarb run --manifest FILE`, its endpoints and DEXes,
and the checks of such a table against the chain's spec."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from omniarb._config_errors import Problem, describe_value, format_path
from omniarb._config_services import MODEL, check_url
from omniarb.chains.spec import ChainSpec

__all__ = ["NetworkSettings", "network_problems"]


class NetworkSettings(BaseModel):
    """A real network for `omniarb run`: its RPC endpoints and the DEXes to watch on it.

    `rpc_http` is one URL or a list of them: the client prefers the first while it is healthy
    and fails over to the others (see `omniarb.chains.rpc`). `rpc_ws` likewise: the head and log
    subscriptions use the first, fail over to the next when it drops, refuses or falls behind,
    and come back to it once it recovers (see `omniarb.chains.ws`). With several HTTP
    endpoints, `hedge_sends` (on by default) sends each transaction to all healthy ones at once
    and takes the first acknowledgment (see `omniarb.chains.rpc._hedge`).
    """

    model_config = MODEL

    chain_id: int = Field(description="the chain id of the network named by the table")
    rpc_http: str | list[str] = Field(
        description="an http:// or https:// URL, or a non-empty list of them"
    )
    rpc_ws: str | list[str] | None = Field(
        default=None, description="a ws:// or wss:// URL, or a non-empty list of them"
    )
    hedge_sends: bool = Field(
        default=True,
        description="true or false (send transactions to every healthy endpoint at once)",
    )
    dexes: tuple[str, ...] = Field(
        min_length=1, strict=False, description="a non-empty list of DEX names of this chain"
    )

    @field_validator("rpc_http")
    @classmethod
    def _check_http(cls, urls: str | list[str]) -> str | list[str]:
        if isinstance(urls, str):
            return check_url(urls, ("http", "https"))
        if not urls:
            raise ValueError("no URL")
        return [check_url(url, ("http", "https")) for url in urls]

    @property
    def rpc_urls(self) -> tuple[str, ...]:
        """The HTTP endpoints in order of preference."""
        return (self.rpc_http,) if isinstance(self.rpc_http, str) else tuple(self.rpc_http)

    @field_validator("rpc_ws")
    @classmethod
    def _check_ws(cls, urls: str | list[str] | None) -> str | list[str] | None:
        if urls is None or isinstance(urls, str):
            return None if urls is None else check_url(urls, ("ws", "wss"))
        if not urls:
            raise ValueError("no URL")
        return [check_url(url, ("ws", "wss")) for url in urls]

    @property
    def ws_urls(self) -> tuple[str, ...]:
        """The WebSocket endpoints in order of preference (empty: the network description's)."""
        if self.rpc_ws is None:
            return ()
        return (self.rpc_ws,) if isinstance(self.rpc_ws, str) else tuple(self.rpc_ws)


def network_problems(spec: ChainSpec, network: NetworkSettings) -> list[Problem]:
    """What is wrong with `network` as a description of `spec`'s chain."""
    problems = []
    prefix = ("chains", spec.name)
    if network.chain_id != spec.chain_id:
        problems.append(
            Problem(
                path=format_path((*prefix, "chain_id")),
                message=f"{spec.name}'s chain id is {spec.chain_id}, got {network.chain_id}",
            )
        )
    known = [dex.name for dex in spec.dexes]
    problems += [
        Problem(
            path=format_path((*prefix, "dexes", index)),
            message=f"unknown DEX {describe_value(dex)} on {spec.name}; "
            f"known DEXes: {', '.join(known)}",
        )
        for index, dex in enumerate(network.dexes)
        if dex not in known
    ]
    return problems
