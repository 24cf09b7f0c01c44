#!/usr/bin/env python3
"""Set up and start Treatment Journal, or run its tests. Standard library only.

    python3 dev.py run  [ARGS...]   start the app (ARGS go to `python -m journal`)
    python3 dev.py test [ARGS...]   run the whole test suite (ARGS go to pytest)

Each command first makes sure everything is in place, doing only what is
missing: the Qt system libraries (installed with apt-get when run as root;
otherwise the exact `sudo apt-get install -y ...` line is printed), the virtual
environment in .venv, and the package with its test tools (re-installed
whenever pyproject.toml changes).

Written so that even an old Python can read this file and say plainly that it
is too old: no f-strings or annotations here.
"""
# ruff: noqa: UP010, UP030, UP032, RUF005 - kept readable by old Pythons on purpose

from __future__ import print_function

import hashlib
import os
import shutil
import subprocess
import sys

MIN_PYTHON = (3, 11)


def say(message):
    print("dev.py: " + message, file=sys.stderr)
    sys.stderr.flush()


def fail(message, code=1):
    say(message)
    sys.exit(code)


def check_python():
    if sys.version_info < MIN_PYTHON:
        have = ".".join(str(n) for n in sys.version_info[:3])
        fail(
            "Treatment Journal needs Python 3.11 or newer, but this is Python {0} ({1}). "
            "Install a newer Python (on Debian/Ubuntu: sudo apt-get install -y python3.11 "
            "python3.11-venv) and run this again with it, e.g.: python3.11 dev.py test".format(
                have, sys.executable
            )
        )


check_python()  # before anything that needs a recent Python

from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".treatment-journal-installed"

# Debian/Ubuntu package -> a library it provides (found with ldconfig when the
# package has another name, e.g. libglib2.0-0t64 on newer releases).
QT_LIBS_OFFSCREEN = {
    "libglib2.0-0": "libglib-2.0.so.0",
    "libegl1": "libEGL.so.1",
    "libgl1": "libGL.so.1",
    "libxkbcommon0": "libxkbcommon.so.0",
    "libfontconfig1": "libfontconfig.so.1",
    "libdbus-1-3": "libdbus-1.so.3",
}
QT_LIBS_WINDOW = {
    "libxcb-cursor0": "libxcb-cursor.so.0",
    "libxkbcommon-x11-0": "libxkbcommon-x11.so.0",
    "libxcb-icccm4": "libxcb-icccm.so.4",
    "libxcb-image0": "libxcb-image.so.0",
    "libxcb-keysyms1": "libxcb-keysyms.so.1",
    "libxcb-render-util0": "libxcb-render-util.so.0",
    "libxcb-shape0": "libxcb-shape.so.0",
    "libxcb-xkb1": "libxcb-xkb.so.1",
}
HEADLESS_QT = {"offscreen", "minimal"}


def is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


# --- system libraries ---------------------------------------------------------


def _ld_cache():
    for ldconfig in ("ldconfig", "/sbin/ldconfig", "/usr/sbin/ldconfig"):
        try:
            return subprocess.run(
                [ldconfig, "-p"], capture_output=True, text=True, check=False
            ).stdout
        except OSError:
            continue
    return ""


def _dpkg_installed(package):
    if not shutil.which("dpkg-query"):
        return False
    run = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False
    )
    return run.returncode == 0 and "install ok installed" in run.stdout


def missing_packages(wanted):
    """The Debian packages of ``wanted`` (package -> library) that are not installed."""
    cache = _ld_cache()
    return [pkg for pkg, soname in wanted.items() if not (soname in cache or _dpkg_installed(pkg))]


def apt_install(packages, why):
    """Install Debian packages as root, or print the exact command and stop."""
    line = "sudo apt-get install -y " + " ".join(packages)
    if not shutil.which("apt-get"):
        fail(
            "{0} needs these system packages, and this is not a Debian/Ubuntu system with "
            "apt-get: {1}. Install the equivalents with your system's package manager, "
            "then run this again.".format(why, " ".join(packages))
        )
    if not is_root():
        fail(
            "{0} needs system packages that are not installed. Run this line once (it asks "
            "for your password), then run this command again:\n\n    {1}\n".format(why, line)
        )
    say("installing system packages: " + " ".join(packages))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(["apt-get", "update"], env=env, check=False).returncode != 0:
        fail("'apt-get update' failed (see above); check the internet connection and try again.")
    if subprocess.run(
        ["apt-get", "install", "-y"] + list(packages), env=env, check=False
    ).returncode:
        fail("Installing the system packages failed (see above). The command was: " + line)


def ensure_qt_libraries(window):
    if not sys.platform.startswith("linux"):
        return  # PySide6 wheels bring what they need on Windows and macOS
    wanted = dict(QT_LIBS_OFFSCREEN)
    if window:
        wanted.update(QT_LIBS_WINDOW)
    missing = missing_packages(wanted)
    if missing:
        apt_install(missing, "Treatment Journal's window toolkit (Qt)")


# --- virtual environment and package --------------------------------------------


def venv_python():
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def ensure_venv():
    python = venv_python()
    if python.exists():
        return python
    venv_pkg = "python{0}.{1}-venv".format(*sys.version_info[:2])
    try:
        import ensurepip  # noqa: F401 - Debian ships it in a separate package
    except ImportError:
        apt_install([venv_pkg], "Setting up the virtual environment")
    say("creating the virtual environment in " + str(VENV))
    run = subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=False)
    if run.returncode != 0 or not python.exists():
        shutil.rmtree(VENV, ignore_errors=True)
        fail(
            "Could not create the virtual environment (see above). On Debian/Ubuntu: "
            "sudo apt-get install -y " + venv_pkg
        )
    return python


def ensure_installed(python):
    """pip install -e .[test] when pyproject.toml changed since the last install."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    say(
        "installing Treatment Journal and its libraries into .venv "
        "(the first time takes a few minutes)"
    )
    run = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-e", "{0}[test]".format(ROOT)],
        cwd=ROOT,
        check=False,
    )
    if run.returncode != 0:
        fail(
            "Installing the Python libraries failed (pip's message is above). Check the "
            "internet connection and run the same command again."
        )
    STAMP.write_text(wanted + "\n")


# --- commands --------------------------------------------------------------------


def cmd_test(args):
    ensure_qt_libraries(window=False)
    python = ensure_venv()
    ensure_installed(python)
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    args = list(args)
    # One test process per core (pytest-xdist): the whole suite stays near 4 minutes
    # on 2 cores. "-n 0" or "-p no:xdist" runs it in one process, e.g. to debug.
    if not any(a.startswith(("-n", "--numprocesses", "--dist")) or a == "no:xdist" for a in args):
        args = ["-n", "auto"] + args
    run = subprocess.run([str(python), "-m", "pytest"] + args, cwd=ROOT, env=env, check=False)
    if run.returncode == 5:
        say("pytest found no tests to run; that counts as a failure (check the path or -k filter).")
        return 1
    return run.returncode


def cmd_run(args):
    headless = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in HEADLESS_QT
    ensure_qt_libraries(window=not headless)
    python = ensure_venv()
    ensure_installed(python)
    argv = [str(python), "-m", "journal"] + list(args)
    if os.name == "posix":
        os.execv(argv[0], argv)  # the app owns the terminal (Ctrl+C, exit code)
        return 0  # only reached when execv is replaced (tests)
    return subprocess.run(argv, check=False).returncode


def main(argv):
    commands = {"run": cmd_run, "test": cmd_test}
    if not argv or argv[0] not in commands:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
