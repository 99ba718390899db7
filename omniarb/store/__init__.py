"""Storage: the history of every opportunity, decision, execution and outcome (the `track` end
of the pipeline), and the guard that keeps a trade from being sent twice.

SQLAlchemy 2.0 over SQLite by default (`$OMNIARB_HOME/history.sqlite`) or PostgreSQL
(`OMNIARB_DB_URL=postgresql://...`, driver psycopg 3), with Alembic migrations shipped in the
package and applied when the store opens. Stages hand `HistoryStore.record` the values of
`omniarb.types`; one writer task batches them into the database in a thread, off the hot path.
"""

from omniarb.store.api_tokens import SCOPES, ApiScope, ApiToken, ApiTokenStore, scope_allows
from omniarb.store.claims import SubmissionLedger
from omniarb.store.cross_chain_models import (
    BridgeTransferRow,
    CrossChainLegRow,
    CrossChainTradeRow,
    ExposureRow,
)
from omniarb.store.database import HistoryDatabase
from omniarb.store.engine import default_db_url, display_url, resolve_db_url
from omniarb.store.history import HistoryStore
from omniarb.store.summary import ChainSummary
from omniarb.store.trades import TradeRecord
from omniarb.store.writer import BatchWriter, WriterSettings, WriterStats

__all__ = [
    "SCOPES",
    "ApiScope",
    "ApiToken",
    "ApiTokenStore",
    "BatchWriter",
    "BridgeTransferRow",
    "ChainSummary",
    "CrossChainLegRow",
    "CrossChainTradeRow",
    "ExposureRow",
    "HistoryDatabase",
    "HistoryStore",
    "SubmissionLedger",
    "TradeRecord",
    "WriterSettings",
    "WriterStats",
    "default_db_url",
    "display_url",
    "resolve_db_url",
    "scope_allows",
]
