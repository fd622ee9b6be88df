"""Schemathesis over the OpenAPI document against a real gunicorn on 127.0.0.1: every
operation, every check, every phase (examples, coverage, fuzzing, stateful), 0 findings.

The server is the production stack (``.venv/bin/gunicorn``, 2 workers, ``wsgi:app``) on this
suite's kind of database (a fresh SQLite file, or a fresh PostgreSQL database in the
PostgreSQL pass) with the demo province loaded, so the operations find real agencies,
obligations and requests: schemathesis draws slugs, codes and registration numbers from
dictionaries of them half the time (its ``[dictionaries]`` and ``[parameters]``
configuration) and random ones otherwise. POST /api/v1/requests registers real requests.
The submission rate limit stays on, set high enough that it does not answer 429 here.
Bounded: a fixed seed, MAX_EXAMPLES per operation and phase, a timeout.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from schemathesis.config import ChecksConfig

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RANDOM_SEED = 20261202
MAX_EXAMPLES = 40
TIMEOUT = 600  # seconds for the whole schemathesis run: far above its ~1 minute

pytestmark = pytest.mark.slow


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The demo province (ppid.demo.seed_demo), without the seed-demo command's extraction of its
# documents' text (which only search needs, and which takes minutes: the jobs stay queued).
SEED = """
from ppid import create_app
from ppid.demo import seed_demo
with create_app().app_context():
    print("; ".join(seed_demo()))
"""


def _run(env, *args):
    subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)


def _world(url):
    """Slugs, obligation codes and registration numbers of the seeded database."""
    import ppid.models  # noqa: F401 - every model, so that the mappers configure
    from ppid.agencies.models import Agency
    from ppid.info_requests.models import InfoRequest
    from ppid.registry.models import Obligation
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as c:
            return {
                "agencies": c.execute(sa.select(Agency.slug).where(Agency.is_active)
                                      .order_by(Agency.slug)).scalars().all(),
                "obligations": c.execute(sa.select(Obligation.code).order_by(Obligation.code)
                                         ).scalars().all(),
                "numbers": c.execute(sa.select(InfoRequest.registration_number)
                                     .order_by(InfoRequest.id)).scalars().all(),
            }
    finally:
        engine.dispose()


def _config(world):
    lines = []
    for name, values in world.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines += ["[warnings]", "fail-on = true", ""]  # missing test data, low valid rate, ...
    # A request line too long for the HTTP server is refused by it (414, documented) before
    # the application sees it: a rejection like the defaults (an undeclared query parameter
    # can make any URL that long).
    rejected = ChecksConfig().negative_data_rejection.expected_statuses + ["414"]
    lines += ["[checks.negative_data_rejection]", f"expected-statuses = {json.dumps(rejected)}",
              ""]
    lines += ["[parameters]"] + [
        f'"{key}" = {{ dictionary = "{name}", probability = 0.5 }}' for key, name in (
            ("body.agency", "agencies"), ("query.agency", "agencies"),
            ("path.slug", "agencies"), ("query.obligation", "obligations"),
            ("path.registration_number", "numbers"))]
    return "\n".join(lines) + "\n"


@pytest.fixture
def live_server(tmp_path, fresh_database_url):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PPID_")}
    env.update({
        "PPID_ENV": "testing", "PPID_DATABASE_URL": fresh_database_url,
        "PPID_DATA_DIR": str(tmp_path / "data"), "PPID_SECRET_KEY": "live-" + "k" * 40,
        "PPID_MAIL_BACKEND": "none", "PPID_JOB_WORKER": "off",
        "PPID_BASE_URL": f"http://127.0.0.1:{port}",
        # On, as in production, but far above this run's submissions from one address.
        "PPID_REQUEST_RATELIMIT": "100000 per hour",
    })
    started = time.monotonic()
    _run(env, str(BIN / "flask"), "--app", "wsgi", "db", "upgrade")
    _run(env, sys.executable, "-c", SEED)
    print(f"database migrated and seeded in {time.monotonic() - started:.0f} s")
    log = open(tmp_path / "gunicorn.log", "w+")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--graceful-timeout", "5", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail("gunicorn did not start:\n" + log.read()[-3000:])
                time.sleep(0.2)
        yield base, fresh_database_url, log
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_schemathesis_finds_nothing_against_gunicorn(live_server, tmp_path):
    base, url, log = live_server
    world = _world(url)
    assert world["agencies"] and world["obligations"] and world["numbers"]
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(world))
    command = [str(BIN / "schemathesis"), "--config-file", str(config), "--no-color", "run",
               f"{base}/api/v1/openapi.json", "--checks", "all", "--mode", "all",
               "--phases", "examples,coverage,fuzzing,stateful",
               "--max-examples", str(MAX_EXAMPLES), "--seed", str(RANDOM_SEED),
               "--generation-database", "none", "--workers", "1", "--continue-on-failure",
               "--report", "junit", "--report-junit-path", str(tmp_path / "junit.xml")]
    started = time.monotonic()
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                         timeout=TIMEOUT)
    seconds = time.monotonic() - started
    out = run.stdout + run.stderr
    log.seek(0)
    server_log = log.read()
    summary = out[out.find("SUMMARY"):] if "SUMMARY" in out else out[-3000:]
    print(f"schemathesis: {' '.join(command[1:])}\n{summary}\n({seconds:.0f} s)")
    assert run.returncode == 0, f"schemathesis reported findings:\n{out}\n\ngunicorn:\n" \
                                f"{server_log[-5000:]}"
    # Every operation was tested (schemathesis leaves out the one serving the document).
    doc = json.load(urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=10))
    operations = sum(len(ops) for path, ops in doc["paths"].items()
                     if path != "/api/v1/openapi.json")
    assert re.search(rf"Tested:\s+{operations}\b", out), summary
    assert re.search(r"\d+ generated", out), summary
    assert "Traceback" not in server_log, server_log[-5000:]
    # Schema-valid submissions to real agencies were registered, not only refused.
    assert len(_world(url)["numbers"]) > len(world["numbers"])
