"""Suite-wide set-up: headless Qt, a throw-away data folder, no network, ever, and the
one way tests get a fresh journal (``store``, or ``make_store`` for several)."""

import os
import socket
import tempfile

import pytest

# Headless Qt for every test; set before any Qt import.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# No test may read or write a real person's journal: the default journal
# location (journal.paths.data_dir) points into a fresh temp folder.
os.environ["TREATMENT_JOURNAL_HOME"] = tempfile.mkdtemp(prefix="tj-test-home-")


# --- network guard ------------------------------------------------------------
# The app never talks to the network. Any internet socket use fails the test
# that did it, even when the code under test swallows the error. Unix sockets
# stay allowed (Qt and D-Bus use them locally).


class NetworkBlockedError(OSError):
    pass


_INTERNET = (socket.AF_INET, socket.AF_INET6)
NETWORK_VIOLATIONS: list[str] = []


def _guarded(name, original):
    def guard(self, *args, **kwargs):
        if self.family in _INTERNET:
            where = args[0] if args else kwargs
            NETWORK_VIOLATIONS.append(f"socket.{name}({where!r})")
            raise NetworkBlockedError(f"Treatment Journal tests may not use the network: {name}")
        return original(self, *args, **kwargs)

    guard.__name__ = name
    return guard


for _name in ("connect", "connect_ex", "bind", "sendto"):
    setattr(socket.socket, _name, _guarded(_name, getattr(socket.socket, _name)))


@pytest.fixture(autouse=True)
def _fail_on_network_use():
    start = len(NETWORK_VIOLATIONS)
    yield
    used = NETWORK_VIOLATIONS[start:]
    if used:
        del NETWORK_VIOLATIONS[start:]
        pytest.fail("This test tried to use the network (the app must never): " + ", ".join(used))


@pytest.fixture
def network_violations():
    """The guard's record, for the guard's own test."""
    return NETWORK_VIOLATIONS


# --- fresh journals -------------------------------------------------------------


@pytest.fixture
def make_store(tmp_path):
    """Make fresh, empty journals in the test's folder: ``make_store("b.sqlite")``; each is
    closed after the test. Automatic backups are off unless asked for (``auto_backup=True``):
    they cost fsyncs and only the tests about them need them."""
    from journal.store.db import create_journal

    made = []

    def make(name: str = "journal.sqlite", **kw):
        kw.setdefault("auto_backup", False)
        s = create_journal(tmp_path / name, **kw)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


@pytest.fixture
def store(make_store):
    """A fresh, empty journal (``journal.sqlite`` in the test's folder)."""
    return make_store()


@pytest.fixture
def run_scenario(tmp_path):
    """Runs a Python script in a child process with this checkout's ``journal`` (Qt
    offscreen), for scenarios whose failure is a crash that would take the test
    worker down with it; returns the finished process."""
    import subprocess
    import sys
    from pathlib import Path

    import journal

    root = str(Path(journal.__file__).resolve().parent.parent)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)

    def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-X", "faulthandler", "-c", script, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=240,
        )

    return run
