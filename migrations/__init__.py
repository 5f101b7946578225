"""Alembic migrations, installed as ``leadctl.migrations``."""
