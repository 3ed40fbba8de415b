"""Migrations match the models (alembic check) on every backend, and upgrade is idempotent."""
from __future__ import annotations

from alembic import command

from storage.db import Database, alembic_config, upgrade_to_head


def test_alembic_check_finds_no_drift(db_url):
    db = Database(db_url)
    command.check(alembic_config(db.engine))  # raises when models and migrations differ
    upgrade_to_head(db.engine)  # already at head: nothing to do


def test_downgrade_and_upgrade_again(sqlite_url):
    db = Database(sqlite_url)
    cfg = alembic_config(db.engine)
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "head")
    command.check(cfg)
