"""Alembic migrations, run by `smsgw db upgrade`."""
