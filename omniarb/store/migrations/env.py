"""Alembic's environment for the history store: migrate on the connection the caller passes.

`omniarb.store.schema` opens the transaction (and takes the migration lock) and passes its
connection in `config.attributes["connection"]`; this script never builds an engine of its own,
so it works the same from an installed package as from a checkout.
"""

from __future__ import annotations

from alembic import context

from omniarb.store.models import Base

_connection = context.config.attributes.get("connection")
if _connection is None or context.is_offline_mode():
    raise RuntimeError("run history migrations through omniarb.store.schema, with a connection")

context.configure(
    connection=_connection,
    target_metadata=Base.metadata,
    # SQLite alters a table by copying it; autogenerate writes batch operations for that.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
