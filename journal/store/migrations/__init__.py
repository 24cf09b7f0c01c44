"""Alembic migrations of the journal file, shipped inside the package.

Run them through :mod:`journal.store.migrate`, never through the ``alembic``
command line: the journal must be backed up and checked first.
"""
