"""Encrypted journals: SQLCipher 4 connections and the journal's key.

An encrypted journal is an ordinary SQLCipher 4 file (AES-256, an HMAC on every
page, the key derived from the passphrase with PBKDF2-HMAC-SHA512, 256 000
rounds, and the 16-byte random salt kept in the file's first bytes). Any
SQLCipher 4 tool opens it with the passphrase alone.

Deriving the key costs about half a second on purpose (it is what makes guessing
slow), and a journal opens several connections (the check, the pool, the
monitor, each backup). So the passphrase is run through the same derivation
ONCE, here, and every connection is given the resulting raw key with the
file's salt (``PRAGMA key = "x'<key><salt>'"``). The passphrase itself is never
written anywhere and is not kept: only the derived key lives in memory, in a
:class:`Key`, while the journal is open.

Backups are keyed with the same raw key and salt, so they open with the same
passphrase; a journal whose passphrase was changed keeps older backups under
their old passphrase.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlcipher3 import dbapi2 as sqlcipher

from journal.errors import DB_ERRORS, JournalError

__all__ = ["DB_ERRORS", "Key", "PassphraseNeededError", "WrongPassphraseError"]


#: A callable in C that returns None for any one argument (a lambda would be a
#: Python call per NULL, most of what the adapter saves).
_AS_NULL: Callable[[object], None] = {}.get  # type: ignore[assignment]  # dict.get overloads


def _bind_quickly(module) -> None:
    """Register C-level adapters for None and bool with a DB-API module.

    Both drivers bind only exact int, float, str and bytearray directly; any other
    value is "adapted" first, and with no adapter registered that means looking up
    ``__adapt__`` on the driver's PrepareProtocol type, which raises and clears an
    AttributeError for every value: about 1 us per NULL or bool bound with Python's
    sqlite3 (3.11), 3 us with sqlcipher3: a third of a bulk insert (import, the demo
    and synthetic journals; the 25-year journal's rows: 43 -> 29 ms). These adapters
    give the driver the value it would have bound anyway (None -> NULL; a bool -> its
    int, as the int subclass it is), without the exception. Process-wide, like every
    adapter; the values stored do not change (tests/store/test_binding.py)."""
    module.register_adapter(type(None), _AS_NULL)
    module.register_adapter(bool, int)


_bind_quickly(sqlite3)
_bind_quickly(sqlcipher)

SQLITE_MAGIC = b"SQLite format 3\x00"
SALT_BYTES = 16
KEY_BYTES = 32
#: SQLCipher 4's defaults; a Key derived with them opens the file in any SQLCipher 4 tool.
KDF_ALGORITHM = "sha512"
KDF_ITERATIONS = 256_000
#: The environment variable scripts may use instead of the prompt.
PASSPHRASE_ENV = "TREATMENT_JOURNAL_PASSPHRASE"


class PassphraseNeededError(JournalError):
    """The journal is encrypted and no passphrase was given."""


class WrongPassphraseError(JournalError):
    """The passphrase does not open this journal (or the file is not an encrypted journal)."""


def passphrase_needed(path: Path | str, what: str = "journal") -> PassphraseNeededError:
    return PassphraseNeededError(
        f"The {what} {path} is encrypted. Give its passphrase to open it.", path
    )


def wrong_passphrase(path: Path | str, what: str = "journal") -> WrongPassphraseError:
    return WrongPassphraseError(
        f"That passphrase does not open the {what} {path}. Check it (capital letters count) "
        "and try again. Nothing was changed.",
        path,
    )


@dataclass(frozen=True, repr=False)
class Key:
    """A derived SQLCipher key and the salt it was derived with (never the passphrase)."""

    raw: bytes
    salt: bytes

    def pragma_value(self) -> str:
        # The 96-hex form gives SQLCipher the key AND the salt: no derivation, and a
        # new file (a backup) gets this salt in its header, so the passphrase opens it.
        return f"\"x'{self.raw.hex()}{self.salt.hex()}'\""

    def __repr__(self) -> str:  # never show key material in a log or a traceback
        return "<Key>"


def derive(passphrase: str, salt: bytes) -> Key:
    if not isinstance(passphrase, str) or passphrase == "":
        raise ValueError("a passphrase must be a non-empty text")
    raw = hashlib.pbkdf2_hmac(KDF_ALGORITHM, passphrase.encode("utf-8"), salt, KDF_ITERATIONS)
    return Key(raw[:KEY_BYTES], salt)


def new_key(passphrase: str) -> Key:
    """A key for a file that does not exist yet: a fresh random salt."""
    return derive(passphrase, os.urandom(SALT_BYTES))


def read_salt(path: Path | str) -> bytes:
    with open(path, "rb") as f:
        return f.read(SALT_BYTES)


def looks_encrypted(path: Path | str) -> bool:
    """True for a file that may be an encrypted journal: not a plain SQLite file, and
    made of whole pages. Without the key nothing more can be told (that is the point)."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(24)
    except OSError:
        return False
    # A plain SQLite file whose first bytes were wiped still has the fixed payload
    # fractions 64/32/32 at offsets 21-23; in an encrypted file those bytes are random.
    plain_damaged = head[21:24] == b"\x40\x20\x20"
    return (
        size >= 1024 and size % 512 == 0 and not head.startswith(SQLITE_MAGIC) and not plain_damaged
    )


def is_plain_sqlite(path: Path | str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


# --------------------------------------------------------------------------- slowing guesses


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


_failures: dict[str, _Failures] = {}
_failures_mutex = threading.Lock()
#: Seconds to wait before the next try after the Nth failure in a row (then doubling,
#: capped): a person mistyping twice is not slowed; a guessing program is. Never a lockout.
FREE_TRIES = 2
MAX_DELAY = 30.0
_sleep = time.sleep
_clock = time.monotonic


def _slot(path: Path | str) -> _Failures:
    k = str(Path(path).expanduser().resolve())
    with _failures_mutex:
        return _failures.setdefault(k, _Failures())


def delay_after(failures: int) -> float:
    if failures < FREE_TRIES:
        return 0.0
    return min(MAX_DELAY, 2.0 ** (failures - FREE_TRIES))


def wait_before_next_try(path: Path | str) -> float:
    """Seconds left before the next passphrase try on ``path`` is accepted (for a countdown)."""
    s = _slot(path)
    if not s.count:
        return 0.0
    return max(0.0, s.last + delay_after(s.count) - _clock())


def _counted_try(path: Path, what: str, attempt: Callable[[], Key | None]) -> Key:
    """``attempt()``'s key, or WrongPassphraseError when it gives none. Repeated failures
    on the same file wait longer before each new try (in this process)."""
    slot = _slot(path)
    with slot.lock:
        wait = wait_before_next_try(path)
        if wait > 0:
            _sleep(wait)
        try:
            key = attempt()
        except ValueError:  # not a passphrase at all (empty)
            key = None
        if key is None:
            slot.count += 1
            slot.last = _clock()
            raise wrong_passphrase(path, what)
        slot.count = 0
        return key


def unlock_key(path: Path | str, passphrase: str, what: str = "journal") -> Key:
    """The key of the encrypted journal at ``path``, checked; WrongPassphraseError otherwise,
    after growing waits when tries fail again and again."""
    path = Path(path)

    def attempt() -> Key | None:
        key = derive(passphrase, read_salt(path))
        return key if key_opens(path, key) else None

    return _counted_try(path, what, attempt)


def confirm_passphrase(path: Path | str, key: Key, passphrase: str) -> Key:
    """``key``, the key an open journal at ``path`` was opened with, if ``passphrase``
    is its passphrase (the lock page); WrongPassphraseError otherwise, with the same
    growing waits as :func:`unlock_key`.

    Nothing is read from the file: opening and closing it here would let go of the locks
    SQLite holds on it for this process (POSIX locks belong to the process, and closing
    any descriptor of a file drops them all), so another program's connection could
    then tidy away the write-ahead log this process still has mapped.
    """

    def attempt() -> Key | None:
        typed = derive(passphrase, key.salt)
        return key if hmac.compare_digest(typed.raw, key.raw) else None

    return _counted_try(Path(path), "journal", attempt)


def key_opens(path: Path | str, key: Key) -> bool:
    try:
        conn = connect(Path(path).resolve().as_uri() + "?mode=ro", key, uri=True)
    except sqlcipher.DatabaseError:
        return False
    conn.close()
    return True


# --------------------------------------------------------------------------- connections


def connect(database: Path | str, key: Key | None = None, **kwargs):
    """A DB-API connection: the standard ``sqlite3`` for a plain file (``key`` None),
    SQLCipher keyed with ``key`` otherwise. With a key, page 1 is read at once, so a
    wrong key fails here (``sqlcipher3.DatabaseError``, "file is not a database")
    rather than at the first query. A file that does not exist yet is created encrypted.
    """
    if key is None:
        return sqlite3.connect(database, **kwargs)
    conn = sqlcipher.connect(str(database), **kwargs)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")  # its log goes to stderr
        conn.execute(f"PRAGMA key = {key.pragma_value()}")
        conn.execute("PRAGMA temp_store = MEMORY")  # no temporary files at all
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def engine_module(key: Key | None):
    """The DB-API module SQLAlchemy must use, so it recognises (and wraps) its errors."""
    return sqlite3 if key is None else sqlcipher


def is_wrong_key_error(e: BaseException) -> bool:
    return isinstance(e, sqlcipher.DatabaseError) and "file is not a database" in str(e)


def attach_sql(alias: str, key: Key | None) -> str:
    """``ATTACH ... KEY ...`` for sqlcipher_export: an empty key means a plain file."""
    return f"ATTACH DATABASE ? AS {alias} KEY " + ("''" if key is None else key.pragma_value())


#: Asked for a passphrase when a journal is opened without one: ``(path, what, error)``
#: -> the passphrase, or None to give up. ``what`` is "journal" or "backup"; ``error`` is
#: the WrongPassphraseError of the previous try (None on the first), which a source that
#: cannot ask again (a file, the environment) re-raises. Set by the command line.
PassphraseSource = Callable[[Path, str, "WrongPassphraseError | None"], "str | None"]
_source: PassphraseSource | None = None
#: Tries of a source before the last wrong passphrase is reported.
SOURCE_TRIES = 3


def set_passphrase_source(source: PassphraseSource | None) -> PassphraseSource | None:
    """Install where passphrases come from when none is given; returns the previous one."""
    global _source
    previous, _source = _source, source
    return previous


def key_for(
    path: Path | str,
    passphrase: str | Key | None,
    *,
    what: str = "journal",
    ask: bool = True,
) -> Key | None:
    """The key to open the journal at ``path`` with: None for a plain (or missing) file,
    whatever passphrase was given, so one passphrase setting serves plain journals too.
    An encrypted file without a passphrase is asked for through the installed source
    (``ask``), or left to the open-time check, which says a passphrase is needed."""
    if isinstance(passphrase, Key):
        return passphrase
    path = Path(path)
    if not path.is_file() or not looks_encrypted(path):
        return None
    if passphrase is not None:
        return unlock_key(path, passphrase, what)
    if _source is None or not ask:
        return None
    error: WrongPassphraseError | None = None
    for _ in range(SOURCE_TRIES):
        given = _source(path, what, error)
        if given is None:
            raise error or passphrase_needed(path, what)
        try:
            return unlock_key(path, given, what)
        except WrongPassphraseError as e:
            error = e
    assert error is not None
    raise error


# --------------------------------------------------------------------------- strength hint


_COMMON = frozenset(
    {"password", "passwort", "letmein", "qwerty", "welcome", "admin", "myeloma", "iloveyou"}
)


def strength_hint(passphrase: str) -> tuple[str, str]:
    """("weak" | "fair" | "strong", one sentence): a rough guess of how hard the passphrase
    is to guess, with no rules imposed. Passphrases of plain words count by words."""
    text = passphrase or ""
    words = [w for w in text.replace("-", " ").split() if len(w) >= 3]
    if text.strip("0123456789!.").lower() in _COMMON or len(set(text)) <= 3:
        bits = 0.0
    elif len(words) >= 2 and all(c.isalpha() or c in " -" for c in text):
        bits = 13.0 * len(words)  # a word picked from a large word list
    else:
        pool = (
            26 * any(c.islower() for c in text)
            + 26 * any(c.isupper() for c in text)
            + 10 * any(c.isdigit() for c in text)
            + 33 * any(not c.isalnum() for c in text)
        )
        # Repeats ("abcabcabc") count for little.
        bits = min(len(text), 2 * len(set(text))) * math.log2(pool) if pool else 0.0
    if bits >= 50:
        return "strong", "Strong: hard to guess. Write it down and keep it somewhere safe."
    if bits >= 35:
        return "fair", "Fair: a few more random words or characters would make it stronger."
    return "weak", "Weak: easy to guess. Four or more random words make a strong passphrase."
