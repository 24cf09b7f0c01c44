"""Encrypt a plain journal in place, decrypt one, change the passphrase.

Each works on a CLOSED journal, holding its one-writer lock throughout:

* :func:`encrypt_journal`: ``sqlcipher_export`` into a new file beside the journal,
  checked (integrity, the content seal equal to the original's), flushed, then
  renamed over the plain file in one step, so at every moment one complete journal
  exists under its name. Plain backups are then encrypted the same way or, when the
  person agreed, removed. The result lists where plain copies may still exist.
* :func:`decrypt_journal`: the same in reverse; backups keep their passphrase.
* :func:`change_passphrase`: ``PRAGMA rekey`` (one transaction), then checked with
  the new passphrase. Backups made before keep the old one.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlcipher3 import dbapi2 as sqlcipher

from journal.errors import DB_ERRORS, JournalError, is_disk_full
from journal.store import backup as _backup
from journal.store import crypto
from journal.store.lock import JournalLock
from journal.store.migrate import APPLICATION_ID

#: What the person is told after encrypting: where plain copies may still be.
PLAIN_COPIES_NOTE = (
    "Exports you saved earlier (JSON, CSV, FHIR, PDF) are not encrypted; delete the ones "
    "you no longer need.",
    "If this folder is synced (Dropbox, iCloud, OneDrive, Google Drive) or backed up by the "
    "system (Time Machine, File History), older plain versions may still be kept there.",
    "The old plain file was deleted, but its bytes may stay on the disk until they are "
    "overwritten; full-disk encryption (FileVault, BitLocker, LUKS) protects those too.",
)


@dataclass
class EncryptResult:
    path: Path
    backups_encrypted: list[Path] = field(default_factory=list)
    backups_removed: list[Path] = field(default_factory=list)
    backups_left_plain: list[Path] = field(default_factory=list)  # could not be read

    def plain_copies(self) -> list[str]:
        notes = list(PLAIN_COPIES_NOTE)
        for b in self.backups_left_plain:
            notes.insert(
                0, f"The backup {b} could not be read (it is damaged), so it is still plain."
            )
        return notes


class EncryptionError(JournalError):
    """Encrypting, decrypting or re-keying could not be finished; the journal is as it was."""


def _cipher_connection(path: Path, key: crypto.Key | None):
    # sqlcipher_export and ATTACH ... KEY exist only in SQLCipher, which also reads plain files.
    conn = sqlcipher.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA cipher_log_level = NONE")
    if key is not None:
        conn.execute(f"PRAGMA key = {key.pragma_value()}")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


def _seal_of(path: Path, key: crypto.Key | None) -> str:
    conn = crypto.connect(path, key)
    try:
        return _backup.content_seal(conn)
    finally:
        conn.close()


def _checkpoint(path: Path, key: crypto.Key | None) -> None:
    # Everything into the main file, WAL emptied: the WAL of a plain journal holds
    # plaintext and must not outlive it.
    conn = crypto.connect(path, key, isolation_level=None)
    try:
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    finally:
        conn.close()
    if busy:
        raise EncryptionError(
            f"The journal {path} is in use by another program, so it was not changed. "
            "Close it there and try again.",
            path,
        )


def export_copy(
    src: Path,
    src_key: crypto.Key | None,
    dest: Path,
    dest_key: crypto.Key | None,
    *,
    journal_mode: str,
) -> None:
    """A verified copy of ``src`` at ``dest`` under another key (None = plain), put in
    place by one rename. ``dest`` may be ``src`` itself."""
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.crypt")
    leftovers = [tmp, *(Path(f"{tmp}{x}") for x in ("-wal", "-shm", "-journal"))]
    for p in leftovers:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        conn = _cipher_connection(src, src_key)
        try:
            version = conn.execute("PRAGMA main.user_version").fetchone()[0]
            conn.execute(crypto.attach_sql("dest", dest_key), (str(tmp),))
            conn.execute("SELECT sqlcipher_export('dest')")
            # sqlcipher_export copies schema and rows, not the header's marks.
            conn.execute(f"PRAGMA dest.user_version = {int(version)}")
            conn.execute(f"PRAGMA dest.application_id = {APPLICATION_ID}")
            conn.execute("DETACH DATABASE dest")
        finally:
            conn.close()
        t = crypto.connect(tmp, dest_key, isolation_level=None)
        try:
            t.execute(f"PRAGMA journal_mode = {journal_mode}")
        finally:
            t.close()
        report = _backup.inspect_file(tmp, full=True, key=dest_key)
        if not report.ok or _seal_of(tmp, dest_key) != _seal_of(src, src_key):
            raise EncryptionError(
                f"The new copy of {src} did not read back the same, so it was not used. "
                "Nothing was changed. Run 'journal check' on it.",
                src,
            )
        for extra in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{tmp}{extra}")
        _backup._fsync_path(tmp)
        for extra in ("-wal", "-shm"):  # the old file's, emptied by the checkpoint
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{dest}{extra}")
        os.replace(tmp, dest)
        _backup._fsync_path(dest.parent, directory=True)
    except BaseException as e:
        for p in leftovers:
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        if isinstance(e, (OSError, *DB_ERRORS)) and not isinstance(e, JournalError):
            raise _failed(e, src) from e
        raise


def _failed(e: BaseException, path: Path) -> EncryptionError:
    if is_disk_full(e):
        return EncryptionError(
            f"The disk is full, so {path} could not be rewritten. Nothing was changed. "
            "Free some space (the journal needs room for a second copy of itself) and try "
            "again.",
            path,
        )
    return EncryptionError(
        f"{path} could not be rewritten ({type(e).__name__}: {e}). Nothing was changed.", path
    )


def _plain_journal(path: Path) -> None:
    _backup.verify_journal_file(path)  # damaged, newer, not a journal: refused plainly


def encrypt_journal(
    path: Path | str, passphrase: str, *, remove_plain_backups: bool = False
) -> EncryptResult:
    """Encrypt the closed plain journal at ``path`` with ``passphrase``; its plain backups
    are encrypted too, or removed when ``remove_plain_backups`` (the person's consent)."""
    path = Path(path).expanduser().resolve()
    if not passphrase:
        raise EncryptionError("Give a passphrase to encrypt the journal with.", path)
    with JournalLock(path):
        if crypto.looks_encrypted(path):
            raise EncryptionError(
                f"The journal {path} is already encrypted. To change its passphrase, use "
                "'journal rekey'.",
                path,
            )
        _plain_journal(path)
        key = crypto.new_key(passphrase)
        _checkpoint(path, None)
        export_copy(path, None, path, key, journal_mode="WAL")
        result = EncryptResult(path)
        for b in _backup.list_backups(path):
            if not crypto.is_plain_sqlite(b.path):
                continue
            if remove_plain_backups:
                _remove(b.path)
                result.backups_removed.append(b.path)
                continue
            try:
                export_copy(b.path, None, b.path, key, journal_mode="DELETE")
                result.backups_encrypted.append(b.path)
            except (EncryptionError, *DB_ERRORS):
                result.backups_left_plain.append(b.path)
    return result


def _remove(p: Path) -> None:
    for q in (p, *(Path(f"{p}{x}") for x in ("-wal", "-shm", "-journal"))):
        with contextlib.suppress(FileNotFoundError):
            q.unlink()


def decrypt_journal(path: Path | str, passphrase: str) -> Path:
    """Make the closed encrypted journal at ``path`` a plain file again (its backups stay
    encrypted, with the passphrase they had)."""
    path = Path(path).expanduser().resolve()
    with JournalLock(path):
        if not crypto.looks_encrypted(path):
            raise EncryptionError(f"The journal {path} is not encrypted.", path)
        key = crypto.unlock_key(path, passphrase)
        _backup.verify_journal_file(path, key)
        _checkpoint(path, key)
        export_copy(path, key, path, None, journal_mode="WAL")
    return path


def change_passphrase(path: Path | str, old: str, new: str) -> None:
    """``PRAGMA rekey`` the closed encrypted journal at ``path``, then check that ``new``
    opens it and reads the same content. Backups keep the passphrase they were made with."""
    path = Path(path).expanduser().resolve()
    if not new:
        raise EncryptionError("Give the new passphrase.", path)
    with JournalLock(path):
        if not crypto.looks_encrypted(path):
            raise EncryptionError(
                f"The journal {path} is not encrypted; use 'journal encrypt' to give it a "
                "passphrase.",
                path,
            )
        key = crypto.unlock_key(path, old)
        _backup.verify_journal_file(path, key)
        before = _seal_of(path, key)
        # Same salt: the file keeps its header salt, and the new passphrase derives the
        # new key from it, exactly as any SQLCipher program would.
        new_key = crypto.derive(new, key.salt)
        conn = crypto.connect(path, key, isolation_level=None)
        try:
            conn.execute(f"PRAGMA rekey = \"x'{new_key.raw.hex()}'\"")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except DB_ERRORS as e:
            raise _failed(e, path) from e
        finally:
            conn.close()
        ok = (
            crypto.key_opens(path, new_key)
            and not crypto.key_opens(path, key)
            and _backup.inspect_file(path, full=True, key=new_key).ok
            and _seal_of(path, new_key) == before
        )
        if not ok:
            opens_old = crypto.key_opens(path, key)
            raise EncryptionError(
                f"The passphrase of {path} could not be changed and checked. It still opens "
                f"with the {'old' if opens_old else 'new'} passphrase; run 'journal check'.",
                path,
            )


__all__ = [
    "EncryptResult",
    "EncryptionError",
    "change_passphrase",
    "decrypt_journal",
    "encrypt_journal",
]
