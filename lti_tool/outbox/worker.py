"""Deliver queued scores: claim, send through AGS, record the outcome."""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests

from ..config import Settings
from ..lti import ags
from ..lti.keys import ToolKeyring
from ..lti.registrations import Registration
from ..lti.service_token import ServiceTokens, TokenError, same_origin, snippet
from ..store import launches, outbox, registry
from ..store.db import Database, now
from ..store.outbox import Job
from . import policy

log = logging.getLogger("qser.outbox")
PURGE_EVERY = 600.0  # seconds between removals of used nonces that can no longer be replayed


class OutboxWorker:
    """One worker; run several (processes or hosts) on PostgreSQL, one per host on SQLite."""

    def __init__(self, db: Database, settings: Settings, keyring: ToolKeyring, concurrency: int = 8,
                 rng: random.Random | None = None):
        self.db = db
        self.settings = settings
        self.concurrency = concurrency
        self.rng = rng or random.Random()
        self._local = threading.local()
        self.tokens = ServiceTokens(keyring, requests.Session(), settings.http_timeout_seconds)
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="qser-outbox")

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    # --- one round -------------------------------------------------------------------

    def run_once(self) -> int:
        """Claim one batch, deliver it in parallel, record every outcome in one transaction;
        returns how many scores were handled."""
        jobs = outbox.claim(self.db, self.settings.outbox_batch, self.settings.outbox_lease_seconds)
        if not jobs:
            return 0
        registrations: dict[int, Registration | None] = {}
        for job in jobs:
            if job.platform_id not in registrations:
                registrations[job.platform_id] = registry.registration(self.db, job.platform_id)
        skipped = outbox.superseded(self.db, jobs)
        results = [outbox.Result(j, "superseded", note="a newer score for this learner replaced it") for j in jobs if j.id in skipped]
        results += self._pool.map(lambda j: self._deliver(j, registrations[j.platform_id]), [j for j in jobs if j.id not in skipped])
        outbox.record(self.db, [r for r in results if r is not None])
        for r in results:
            if r is not None:
                self._log(r)
        return len(jobs)

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _deliver(self, job: Job, registration: Registration | None) -> outbox.Result | None:
        try:
            return self._attempt(job, registration)
        except Exception:  # a bug must not kill the worker: the lease expires and it is retried
            log.exception("outbox: unexpected error delivering score %s", job.id)
            return None

    def _attempt(self, job: Job, registration: Registration | None) -> outbox.Result:
        if registration is None:
            return outbox.Result(job, "failed", note="the platform registration was removed")
        if not same_origin(job.lineitem_url, registration):
            return outbox.Result(job, "failed", note="the line item URL is not on the platform's host: not sending a token there")
        score = ags.Score(job.user_sub, job.score_given, job.score_maximum, job.score_timestamp, job.activity_progress, job.grading_progress)
        try:
            resp = ags.publish(self.tokens, self._session(), registration, job.lineitem_url, score, self.settings.http_timeout_seconds)
        except TokenError as exc:
            return self._result(job, policy.Outcome(policy.RETRY, exc.status, exc.reason))
        except requests.RequestException as exc:
            return self._result(job, policy.classify(None, f"no answer from the platform: {type(exc).__name__}"))
        return self._result(job, policy.classify(resp.status_code, snippet(resp), resp.headers.get("Retry-After")))

    def _result(self, job: Job, outcome: policy.Outcome) -> outbox.Result:
        if outcome.kind == policy.DELIVERED:
            return outbox.Result(job, "delivered", outcome.status, outcome.reason or None)
        if outcome.kind == policy.FAILED:
            return outbox.Result(job, "failed", outcome.status, outcome.reason)
        if now() - job.created_at > timedelta(seconds=self.settings.outbox_max_age_seconds):
            return outbox.Result(job, "failed", outcome.status, f"gave up after {job.tries} tries: {outcome.reason}")
        delay = policy.backoff(job.tries, self.settings.outbox_backoff_base_seconds, self.settings.outbox_backoff_cap_seconds, self.rng)
        if outcome.retry_after is not None:
            delay = max(delay, min(outcome.retry_after, self.settings.outbox_backoff_cap_seconds))
        return outbox.Result(job, "pending", outcome.status, outcome.reason, delay)

    @staticmethod
    def _log(result: outbox.Result) -> None:
        job = result.job
        if result.status == "delivered":
            log.info("outbox: score %s delivered (HTTP %s)", job.id, result.http_status)
        elif result.status == "failed":
            log.warning("outbox: score %s not sent: %s", job.id, result.note)
        elif result.status == "pending":
            log.info("outbox: score %s not delivered (%s); retry in %.1fs", job.id, result.note, result.delay_seconds)

    # --- forever -----------------------------------------------------------------------

    def run_forever(self, stop: threading.Event, wake: threading.Event | None = None, idle_seconds: float = 5.0) -> None:
        """Deliver until ``stop`` is set; ``wake`` (set by the web app after a new attempt)
        cuts the idle wait short so a score leaves within milliseconds."""
        wake = wake or threading.Event()
        next_purge = 0.0
        while not stop.is_set():
            try:
                if time.monotonic() >= next_purge:  # housekeeping rides along with the worker
                    launches.purge_expired(self.db)
                    next_purge = time.monotonic() + PURGE_EVERY
                handled = self.run_once()
            except Exception:  # database briefly unavailable: keep the worker alive
                log.exception("outbox: round failed")
                handled = 0
            if handled:
                continue
            wake.wait(self._idle(idle_seconds))
            wake.clear()

    def _idle(self, idle_seconds: float) -> float:
        try:
            due = outbox.next_due(self.db)
        except Exception:
            return idle_seconds
        if due is None:
            return idle_seconds
        return min(idle_seconds, max(0.05, (due - now()).total_seconds()))


ASYNC_SIGNALS = {signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2,
                 signal.SIGALRM, signal.SIGCHLD, signal.SIGPIPE, signal.SIGWINCH}


class InlineWorker:
    """The worker as a daemon thread of the web process (the SQLite default)."""

    def __init__(self, worker: OutboxWorker):
        self.worker = worker
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.thread = threading.Thread(target=self._run, name="qser-outbox", daemon=True)

    def _run(self) -> None:
        # A signal sent to the process goes to any thread that does not block it. The web
        # server's own (uWSGI's SIGHUP: finish the request and stop) must reach its thread:
        # handled on this one, it stopped nothing and the process never ended.
        signal.pthread_sigmask(signal.SIG_BLOCK, ASYNC_SIGNALS)
        self.worker.run_forever(self.stop, self.wake)

    def start(self) -> InlineWorker:
        self.thread.start()
        return self

    def notify(self) -> None:
        self.wake.set()

    def close(self, timeout: float = 10.0) -> None:
        self.stop.set()
        self.wake.set()
        self.thread.join(timeout)
        self.worker.close()
