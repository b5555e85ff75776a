"""Deliver queued scores: claim, send through AGS, record the outcome."""

from __future__ import annotations

import logging
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests

from ..config import Settings
from ..lti import ags
from ..lti.keys import ToolKeyring
from ..lti.launch import Registration
from ..store import repo
from ..store.db import Database, now
from . import policy, store
from .store import Job

log = logging.getLogger("qser.outbox")


class OutboxWorker:
    """One worker; run several (processes or hosts) on PostgreSQL, one per host on SQLite."""

    def __init__(self, db: Database, settings: Settings, keyring: ToolKeyring, concurrency: int = 8,
                 rng: random.Random | None = None):
        self.db = db
        self.settings = settings
        self.concurrency = concurrency
        self.rng = rng or random.Random()
        self._local = threading.local()
        self.tokens = ags.ServiceTokens(keyring, requests.Session(), settings.http_timeout_seconds)
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="qser-outbox")

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    # --- one round -------------------------------------------------------------------

    def run_once(self) -> int:
        """Claim and deliver one batch; returns how many scores were handled."""
        jobs = store.claim(self.db, self.settings.outbox_batch, self.settings.outbox_lease_seconds)
        if not jobs:
            return 0
        registrations: dict[int, Registration | None] = {}
        for job in jobs:
            if job.platform_id not in registrations:
                registrations[job.platform_id] = repo.registration(self.db, job.platform_id)
        list(self._pool.map(lambda j: self._deliver(j, registrations[j.platform_id]), jobs))
        return len(jobs)

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _deliver(self, job: Job, registration: Registration | None) -> None:
        try:
            self._attempt(job, registration)
        except Exception:  # a bug must not kill the worker: the lease expires and it is retried
            log.exception("outbox: unexpected error delivering score %s", job.id)

    def _attempt(self, job: Job, registration: Registration | None) -> None:
        if registration is None:
            store.mark_failed(self.db, job, None, "the platform registration was removed")
            return
        if not ags.same_origin(job.lineitem_url, registration):
            store.mark_failed(self.db, job, None, "the line item URL is not on the platform's host: not sending a token there")
            return
        if store.superseded(self.db, job):
            store.mark_superseded(self.db, job)
            return
        score = ags.Score(job.user_sub, job.score_given, job.score_maximum, job.score_timestamp, job.activity_progress, job.grading_progress)
        try:
            token = self.tokens.get(registration)
        except ags.TokenError as exc:
            self._outcome(job, policy.Outcome(policy.RETRY, exc.status, exc.reason))
            return
        try:
            resp = ags.post_score(self._session(), job.lineitem_url, token, score, self.settings.http_timeout_seconds)
        except requests.RequestException as exc:
            self._outcome(job, policy.classify(None, f"no answer from the platform: {type(exc).__name__}"))
            return
        outcome = policy.classify(resp.status_code, ags.snippet(resp), resp.headers.get("Retry-After"))
        if resp.status_code == 401:
            self.tokens.forget(registration)
        self._outcome(job, outcome)

    def _outcome(self, job: Job, outcome: policy.Outcome) -> None:
        if outcome.kind == policy.DELIVERED:
            store.mark_delivered(self.db, job, outcome.status, outcome.reason)
            log.info("outbox: score %s delivered (HTTP %s)", job.id, outcome.status)
        elif outcome.kind == policy.FAILED:
            store.mark_failed(self.db, job, outcome.status, outcome.reason)
            log.warning("outbox: score %s refused: %s", job.id, outcome.reason)
        elif now() - job.created_at > timedelta(seconds=self.settings.outbox_max_age_seconds):
            reason = f"gave up after {job.tries} tries: {outcome.reason}"
            store.mark_failed(self.db, job, outcome.status, reason)
            log.warning("outbox: score %s %s", job.id, reason)
        else:
            delay = policy.backoff(job.tries, self.settings.outbox_backoff_base_seconds, self.settings.outbox_backoff_cap_seconds, self.rng)
            if outcome.retry_after is not None:
                delay = max(delay, min(outcome.retry_after, self.settings.outbox_backoff_cap_seconds))
            store.mark_retry(self.db, job, outcome.status, outcome.reason, delay)
            log.info("outbox: score %s not delivered (%s); retry in %.1fs", job.id, outcome.reason, delay)

    # --- forever -----------------------------------------------------------------------

    def run_forever(self, stop: threading.Event, wake: threading.Event | None = None, idle_seconds: float = 5.0) -> None:
        """Deliver until ``stop`` is set; ``wake`` (set by the web app after a new attempt)
        cuts the idle wait short so a score leaves within milliseconds."""
        wake = wake or threading.Event()
        while not stop.is_set():
            try:
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
            due = store.next_due(self.db)
        except Exception:
            return idle_seconds
        if due is None:
            return idle_seconds
        return min(idle_seconds, max(0.05, (due - now()).total_seconds()))


class InlineWorker:
    """The worker as a daemon thread of the web process (the SQLite default)."""

    def __init__(self, worker: OutboxWorker):
        self.worker = worker
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.thread = threading.Thread(target=worker.run_forever, args=(self.stop, self.wake), name="qser-outbox", daemon=True)

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
