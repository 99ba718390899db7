"""Alembic scripts of the history store (`env.py`, `versions/`), run by `omniarb.store.schema`."""
