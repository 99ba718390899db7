"""Collectors: the first arrow of the pipeline (DESIGN.md). Each turns what a chain announces
over WebSocket into the values of `omniarb.chain_events` for the state stage, reconnecting on
its own and reporting every gap it could not see across.
"""

from omniarb.collect.heads import HeadCollector

__all__ = ["HeadCollector"]
