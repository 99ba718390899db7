"""Collectors: the first arrow of the pipeline (DESIGN.md). Each turns what a chain announces
over WebSocket (new heads, logs) into typed events (`NewHead`, `ChainLog`, `StreamResumed`)
for the state stage, reconnecting on its own and reporting every gap it could not see across.
"""

from omniarb.collect.heads import (
    ChainEvent,
    ChainLog,
    HeadCollector,
    LogFilter,
    NewHead,
    StreamResumed,
    bloom_may_contain,
    parse_head,
    parse_log,
)

__all__ = [
    "ChainEvent",
    "ChainLog",
    "HeadCollector",
    "LogFilter",
    "NewHead",
    "StreamResumed",
    "bloom_may_contain",
    "parse_head",
    "parse_log",
]
