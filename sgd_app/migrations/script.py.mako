"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Created: ${create_date}

Frozen operations: never import the live models here (a later change to them must not rewrite
this step). Write the same change for SQLite (batch mode) and PostgreSQL. Every revision runs in
one transaction with SQLite's foreign keys on: a batch step that recreates a referenced table
must copy its rows back before the transaction ends.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
