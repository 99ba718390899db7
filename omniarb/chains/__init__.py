"""Chains: static chain facts (`spec`), JSON-RPC access (`rpc` over HTTP, `ws` for
subscriptions), ABI coding (`abi`), fee bids (`fees`) and receipts (`receipts`).

Import from the modules themselves: the package re-exports nothing, so each name has one home.
"""
