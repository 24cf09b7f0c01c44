import socket
import subprocess
import sys
from pathlib import Path

import pytest


def test_internet_connect_is_blocked_and_recorded(network_violations):
    before = len(network_violations)
    with pytest.raises(OSError, match="may not use the network"):
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s6, pytest.raises(OSError):
        s6.connect_ex(("::1", 9))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, pytest.raises(OSError):
        udp.sendto(b"x", ("127.0.0.1", 9))
    recorded = network_violations[before:]
    assert [r.split("(")[0] for r in recorded] == [
        "socket.connect",
        "socket.connect_ex",
        "socket.sendto",
    ]
    # Clean up so the guard's own fixture does not fail THIS test.
    del network_violations[before:]


def test_swallowed_network_error_still_fails_the_test(tmp_path):
    # Code that hides the error must not hide the test's failure.
    (tmp_path / "conftest.py").write_text((Path(__file__).parent / "conftest.py").read_text())
    (tmp_path / "test_sneaky.py").write_text(
        "import socket\n"
        "def test_sneaky():\n"
        "    try:\n"
        "        socket.create_connection(('127.0.0.1', 9), timeout=0.1)\n"
        "    except OSError:\n"
        "        pass\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout
    assert "1 passed, 1 error" in run.stdout
    assert "tried to use the network" in run.stdout


def test_unix_sockets_stay_allowed(tmp_path):
    path = str(tmp_path / "s")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as srv:
        srv.bind(path)
        srv.listen(1)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as cli:
            cli.connect(path)
    a, b = socket.socketpair()
    a.sendall(b"ok")
    assert b.recv(2) == b"ok"
    a.close()
    b.close()
