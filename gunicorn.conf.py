"""Gunicorn reads this file from its working directory (the repository, or the app
directory under systemd): besides the workers it runs the registry's background processes.

* The job worker (``flask --app wsgi ppid worker``) runs background jobs, such as the text
  of uploaded documents, in limited child processes (ppid/core/jobs.py), links new audit
  events into the chain (ppid/core/audit.py), and on the Whoosh backend applies the search
  queue to the index every PPID_SEARCH_DRAIN_DELAY seconds (ppid/search/indexing.py: the
  one place it is applied; a search never does). PPID_JOB_WORKER=off runs without it:
  then run ``flask --app wsgi ppid worker`` elsewhere (its own systemd unit), or the jobs
  wait, ``audit-verify`` reports the unlinked events and searches miss new changes.

It is started before the workers and stopped after them (SIGTERM: it finishes what it is
doing). Command-line options (--workers, --bind, ...) still apply on top of this file.
"""
import subprocess
import sys
import time
from pathlib import Path

# The longest request line taken (gunicorn's maximum; its default, 4094, is shorter than a
# search the API documents: ppid.api.common.MAX_REQUEST_LINE). nginx takes 8k by default.
limit_request_line = 8190

# (name in the log, its setting in ppid/config.py, command after `flask --app wsgi ppid`)
BACKGROUND = (
    ("job worker", "JOB_WORKER", "worker"),
)
_processes = {}  # command -> Popen


def on_starting(server):
    here = Path(__file__).resolve().parent
    if str(here) not in sys.path:
        sys.path.insert(0, str(here))
    from ppid.config import environment_settings
    settings = environment_settings(here)
    flask = Path(sys.executable).with_name("flask")
    base = ([str(flask)] if flask.exists() else [sys.executable, "-m", "flask"]) + [
        "--app", "wsgi", "ppid"]
    for name, setting, command in BACKGROUND:
        if not settings[setting]:
            continue
        proc = _processes[command] = subprocess.Popen(base + [command], cwd=here)
        server.log.info("%s started (pid %s)", name, proc.pid)


def on_exit(server):
    running = [(name, _processes.pop(command)) for name, _switch, command in BACKGROUND
               if command in _processes]
    first_look = time.monotonic() + 1
    for _name, proc in running:
        try:  # systemd signals the whole group: then they are stopping already
            proc.wait(timeout=max(0.0, first_look - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.terminate()  # each finishes its work (a last drain, the current job)
    for name, proc in running:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        server.log.info("%s stopped (exit %s)", name, proc.returncode)
