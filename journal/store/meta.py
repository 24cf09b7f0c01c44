"""Facts about the journal file itself (not the person's record): one row, id 1.

Backups are not listed here: the backups folder is the truth (see backup.py).

Kept apart from ``models.RECORD_TABLES`` on purpose: exports and the record
screens never see it. Added by migration 0002.
"""

from __future__ import annotations

from sqlmodel import Field

from journal.store import models  # also: naming convention on the shared metadata


class JournalMeta(models.TableModel, table=True):
    __tablename__ = "journal_meta"

    id: int | None = Field(default=None, primary_key=True)
    created_at: str  # UTC, ISO 8601; for a file upgraded from 0001: the upgrade time
    created_with: str  # app version that made (or first upgraded) the file
    last_opened_with: str | None = None
    # SHA-256 of the whole record, written on a clean close and cleared on open;
    # checked on the next open (see backup.content_seal). None = open or crashed.
    content_seal: str | None = None
    # Write transactions so far, counted by the store (0005); the last count it
    # acknowledged is also kept outside the file (see integrity.py), so committed
    # changes lost with the WAL file are noticed.
    change_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
