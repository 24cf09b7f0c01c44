"""A `journal demo` killed half-way (issue 17, item 8) leaves no journal under the real
name, so the rerun works; what the killed run left aside is cleared by the next run."""

import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")


def _demo(target, env):
    return subprocess.Popen(
        [sys.executable, "-m", "journal", "demo", str(target)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_killed_demo_does_not_block_its_rerun(tmp_path):
    env = {**os.environ, "TREATMENT_JOURNAL_HOME": str(tmp_path / "home")}
    target = tmp_path / "demo.sqlite"
    proc = _demo(target, env)
    deadline = time.monotonic() + 60
    # Kill it once it is writing the journal aside (its building file exists).
    while not any(p.name.startswith(".demo.sqlite.building") for p in tmp_path.iterdir()):
        assert proc.poll() is None, "finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not target.exists()

    rerun = _demo(target, env)
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err.decode()
    assert target.exists()
    left = sorted(p.name for p in tmp_path.iterdir() if p.name not in ("demo.sqlite", "home"))
    assert left == [] or left == ["backups"], left
