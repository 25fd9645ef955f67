"""Alembic migrations of the planwatch schema, packaged so `planwatch db upgrade` works when installed."""
