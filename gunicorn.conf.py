"""Gunicorn reads this file from its working directory (the repository, or the app
directory under systemd): besides the workers it runs one search indexer process.

The indexer (``flask --app wsgi ppid search-indexer``) applies the search queue every
PPID_SEARCH_DRAIN_DELAY seconds, off the workers' processes (see ppid/search/indexing.py).
It is started before the workers and stopped after them, with a last drain. If it dies,
the workers notice its stale heartbeat and drain in their own threads meanwhile.
Set PPID_SEARCH_INDEXER=off to run without it (each worker then drains itself).
Command-line options (--workers, --bind, ...) still apply on top of this file.
"""
import os
import subprocess
import sys
from pathlib import Path

_indexer = {}


def on_starting(server):
    if os.environ.get("PPID_SEARCH_INDEXER", "").lower() in ("off", "0", "false", "no"):
        return
    here = Path(__file__).resolve().parent
    flask = Path(sys.executable).with_name("flask")
    command = ([str(flask)] if flask.exists() else [sys.executable, "-m", "flask"]) + [
        "--app", "wsgi", "ppid", "search-indexer"]
    _indexer["proc"] = subprocess.Popen(command, cwd=here)
    server.log.info("search indexer started (pid %s)", _indexer["proc"].pid)


def on_exit(server):
    proc = _indexer.pop("proc", None)
    if proc is None:
        return
    try:  # systemd signals the whole group: then it is stopping already
        proc.wait(timeout=1)
    except subprocess.TimeoutExpired:
        proc.terminate()  # it applies what is still queued, then exits
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    server.log.info("search indexer stopped (exit %s)", proc.returncode)
