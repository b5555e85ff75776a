"""The outbox under faults: an LMS that fails for a while, a worker killed mid-delivery,
and two workers competing on PostgreSQL. Nothing may be lost or sent twice at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace

import pytest
from flask import Response
from sqlalchemy import select

from lti_tool.outbox import OutboxWorker
from lti_tool.store import tables as T
from lti_tool.store.db import now, utc
from tests.support.fake_moodle_lti1p3 import LEARNER, User
from tests.support.lti_flow import ALL_ANSWERS, answer, launch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rows(services):
    with services.db.read() as conn:
        return conn.execute(select(T.grade_outbox).order_by(T.grade_outbox.c.id)).all()


def drain(worker: OutboxWorker, services, deadline_seconds: float = 20.0) -> None:
    end = time.monotonic() + deadline_seconds
    while time.monotonic() < end:
        worker.run_once()
        if all(r.status != "pending" for r in rows(services)):
            return
        time.sleep(0.02)
    raise AssertionError(f"still pending: {[(r.id, r.tries, r.last_error) for r in rows(services) if r.status == 'pending']}")


def learners(moodle, n: int, start: int = 300) -> list[str]:
    ids = [str(start + i) for i in range(n)]
    for uid in ids:
        moodle.users[uid] = User(uid, f"Learner {uid}", [LEARNER])
    return ids


def status(code: int, headers: dict | None = None):
    return lambda: Response("platform trouble", code, headers=headers or {})


def hang(seconds: float):
    def fault():
        time.sleep(seconds)
        return Response("too late", 503)
    return fault


def test_lms_failing_for_a_while_then_recovering(client, moodle, services):
    """500s, timeouts, 429/503 and a platform that is down (connection refused): every
    learner's latest score arrives once the platform is back."""
    # The time-out must be long enough that a busy machine still answers the token request
    # within it (the token is fetched once and reused), and shorter than the hangs below.
    settings = replace(services.settings, http_timeout_seconds=1.0)
    worker = OutboxWorker(services.db, settings, services.keyring)
    users = learners(moodle, 4)
    expected = {}
    for i, uid in enumerate(users):
        launched = launch(client, moodle, user=uid)
        yes = ALL_ANSWERS[: (i % 5) + 1]
        answer(client, launched, yes, ALL_ANSWERS)
        expected[uid] = len(yes)
    moodle.stop()  # the LMS goes down: connection refused, token endpoint included
    for _ in range(4):
        worker.run_once()
        time.sleep(0.06)
    assert all(r.status == "pending" and "unreachable" in r.last_error for r in rows(services)), [r.last_error for r in rows(services)]

    moodle.restart()  # back, but failing for a while: every score meets at least one fault
    moodle.score_faults = [status(500), status(502), hang(1.6), status(429, {"Retry-After": "0"}),
                           status(503), hang(1.6), status(500), status(504)]
    drain(worker, services)
    worker.close()
    assert {r.status for r in rows(services)} == {"delivered"}
    assert {uid: moodle.grades[("11", uid)][1]["scoreGiven"] for uid in users} == expected
    assert {c.status for c in moodle.scores} >= {500, 502, 503, 504, 429, 200}
    assert all(r.tries >= 3 for r in rows(services))  # refused, then a fault, then delivered
    assert moodle.token_requests == 1


def test_newer_score_supersedes_an_undelivered_older_one(client, moodle, services):
    launched = launch(client, moodle)
    answer(client, launched, ALL_ANSWERS[:1], ALL_ANSWERS)
    answer(client, launched, ALL_ANSWERS[:2], ALL_ANSWERS)
    worker = OutboxWorker(services.db, services.settings, services.keyring)
    drain(worker, services)
    worker.close()
    assert [r.status for r in rows(services)] == ["superseded", "delivered"]
    assert [c.body["scoreGiven"] for c in moodle.accepted()] == [2]


def _worker_process(services, *args: str, lease: int = 60, batch: int = 20) -> subprocess.Popen:
    s = services.settings
    env = {**os.environ, "QSER_DATABASE_URL": s.db_url, "QSER_VAR_DIR": str(s.var_dir), "QSER_CONTENT_DIR": str(s.content_dir),
           "QSER_BASE_URL": s.base_url, "QSER_OUTBOX_LEASE_SECONDS": str(lease), "QSER_HTTP_TIMEOUT_SECONDS": "30",
           "QSER_OUTBOX_BACKOFF_BASE_SECONDS": "0.01", "QSER_OUTBOX_BACKOFF_CAP_SECONDS": "0.05",
           "QSER_OUTBOX_BATCH": str(batch)}
    env.pop("QSER_CONFIG", None)
    return subprocess.Popen([sys.executable, "-m", "packager.cli", "lti", "worker", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_worker_killed_mid_delivery_is_delivered_after_restart(client, moodle, services):
    arrived, release = threading.Event(), threading.Event()

    def stuck():
        arrived.set()
        release.wait(30)
        return Response("the worker that sent this is gone", 503)

    moodle.score_faults = [stuck]
    launched = launch(client, moodle)
    answer(client, launched, ALL_ANSWERS, ALL_ANSWERS)
    process = _worker_process(services, lease=4)
    try:
        assert arrived.wait(30), process.stdout.read() if process.poll() is not None else "worker sent nothing"
        process.send_signal(signal.SIGKILL)  # killed mid-delivery: no clean-up of any kind
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
        release.set()
    [row] = rows(services)
    assert row.status == "pending" and row.lease_until is not None and row.tries == 1

    worker = OutboxWorker(services.db, services.settings, services.keyring)
    assert worker.run_once() == 0  # the lease still protects the row from a second sender
    time.sleep(max(0.0, (utc(row.lease_until) - now()).total_seconds()) + 0.1)  # the lease runs out
    drain(worker, services)
    worker.close()
    [row] = rows(services)
    assert row.status == "delivered" and row.tries == 2
    assert len(moodle.accepted()) == 1 and moodle.grades[("11", "101")][1]["scoreGiven"] == 5


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite: one worker per host, in the web process
def test_two_worker_processes_on_postgresql_send_each_score_once(client, moodle, services):
    users = learners(moodle, 30)
    for uid in users:
        answer(client, launch(client, moodle, user=uid), ALL_ANSWERS[:3], ALL_ANSWERS)

    gate = threading.Event()

    def held():
        gate.wait(60)  # no score is answered before both workers hold a claim
        time.sleep(0.01)
        return None

    moodle.score_faults = [held] * len(users)
    workers = [_worker_process(services, "--once", "--concurrency", "4", batch=20) for _ in range(2)]
    deadline = time.monotonic() + 60
    while sum(1 for r in rows(services) if r.lease_until is not None) < len(users):
        assert time.monotonic() < deadline and all(w.poll() is None for w in workers), "the workers did not claim every score"
        time.sleep(0.02)
    gate.set()  # 30 scores, batches of 20: each worker holds part of them
    outputs = [w.communicate(timeout=120)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    handled = [int(out.strip().splitlines()[-1].split()[0]) for out in outputs]
    assert sum(handled) == len(users) and all(h > 0 for h in handled), outputs  # both worked, none twice
    assert {r.status for r in rows(services)} == {"delivered"}
    sent = [(c.body["userId"], c.body["timestamp"]) for c in moodle.scores]
    assert len(sent) == len(set(sent)) == len(users)
    assert moodle.max_in_flight_same == 1
