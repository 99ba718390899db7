"""Chains: static chain facts (`spec`) and JSON-RPC access (`rpc`)."""

from omniarb.chains.spec import (
    CHAINS,
    ChainSpec,
    DexKind,
    DexSpec,
    FeeModel,
    MempoolKind,
    chain_by_id,
    chain_by_name,
    resolve_chain,
)

__all__ = [
    "CHAINS",
    "ChainSpec",
    "DexKind",
    "DexSpec",
    "FeeModel",
    "MempoolKind",
    "chain_by_id",
    "chain_by_name",
    "resolve_chain",
]
