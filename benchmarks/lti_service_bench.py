"""The LTI tool's work besides launches: scores per second delivered by the outbox to a local
AGS endpoint, and the instructor view (results page, CSV, library search) of a course with
many attempts, rendered in-process."""

from __future__ import annotations

import multiprocessing
import secrets
import time
from pathlib import Path

from benchmarks.lti_bench import CLIENT_ID, DEPLOYMENT, ISSUER_HOST, ROOT, SCREENER, _serve_platform, free_port

SCORES = 2000


# --- the outbox ---------------------------------------------------------------------------------------


def bench_outbox(var: Path) -> dict:
    """SCORES queued grades for different learners, one worker, a local AGS endpoint."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert

    from lti_tool.config import Settings
    from lti_tool.outbox import OutboxWorker
    from lti_tool.store import connect, registry, tables as T, upgrade
    from lti_tool.store.tool_keys import open_tool_secrets

    platform_port = free_port()
    issuer = f"http://{ISSUER_HOST}:{platform_port}"
    ready = multiprocessing.Event()
    platform = multiprocessing.Process(target=_serve_platform, args=(platform_port, {"keys": []}, ready), daemon=True)
    platform.start()
    ready.wait(10)
    settings = Settings(var_dir=var / "outbox", content_dir=ROOT / "content", outbox_batch=100)
    db = connect(settings.db_url)
    upgrade(db)
    keyring, _ = open_tool_secrets(db, "")
    platform_id = registry.save_platform(db, issuer=issuer, client_id=CLIENT_ID, auth_login_url=f"{issuer}/auth",
                                     auth_token_url=f"{issuer}/token", jwks_url=f"{issuer}/jwks", deployments=(DEPLOYMENT,))
    now = datetime.now(UTC)
    lineitem = f"{issuer}/mod/lti/services.php/2/lineitems/11/lineitem?type_id=1"
    with db.begin() as conn:
        launch_id = conn.execute(insert(T.launch).values(
            token_hash=secrets.token_hex(32), platform_id=platform_id, deployment_id=DEPLOYMENT, user_sub="x", user_name="", roles=[],
            resource_link_id="7", screener_id=SCREENER, lang="en", lineitem_url=lineitem, ags_scopes=[],
            created_at=now, expires_at=now + timedelta(hours=1)).returning(T.launch.c.id)).scalar_one()
        attempt_ids = conn.execute(insert(T.attempt).returning(T.attempt.c.id), [
            {"launch_id": launch_id, "answers": {}, "score": 4, "max_score": 5, "suitable": True, "created_at": now} for _ in range(SCORES)
        ]).scalars().all()
        conn.execute(insert(T.grade_outbox), [
            {"attempt_id": a, "platform_id": platform_id, "lineitem_url": lineitem, "user_sub": f"learner-{i}", "score_given": 4.0,
             "score_maximum": 5.0, "activity_progress": "Submitted", "grading_progress": "FullyGraded", "score_timestamp": now,
             "status": "pending", "tries": 0, "next_attempt_at": now, "created_at": now} for i, a in enumerate(attempt_ids)])
    worker = OutboxWorker(db, settings, keyring, concurrency=8)
    began, cpu_before = time.perf_counter(), time.process_time()
    while worker.run_once():
        pass
    seconds, cpu_used = time.perf_counter() - began, time.process_time() - cpu_before
    worker.close()
    platform.terminate()
    with db.read() as conn:
        from sqlalchemy import func, select

        delivered = conn.execute(select(func.count()).select_from(T.grade_outbox).where(T.grade_outbox.c.status == "delivered")).scalar_one()
    return {"scores": delivered, "seconds": seconds, "per_second": delivered / seconds, "cpu_ms": 1000 * cpu_used / max(1, delivered)}


# --- the instructor view -------------------------------------------------------------------------

TEACH_ATTEMPTS = 2000
TEACH_ROUNDS = 20


def bench_teacher(var: Path) -> dict:
    """A course with TEACH_ATTEMPTS attempts over 20 weeks in three languages, each with a
    summary (most approved) and a delivered score; the teacher's pages rendered in-process
    (the Flask app, SQLite), and the charts of the results page on their own."""
    import random
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert

    from lti_tool.config import Settings
    from lti_tool.store import registry, tables as T
    from lti_tool.store.cohort import NO_FILTER
    from lti_tool.store.teaching import Scope
    from lti_tool.textsearch import summary_keys
    from lti_tool.web import create_app
    from lti_tool.web.services import Services
    from lti_tool.web.teach_charts import overview_charts

    settings = Settings(var_dir=var / "teach", content_dir=ROOT / "content", outbox_inline=False)
    tool = Services.build(settings)
    app = create_app(settings, start_worker=False, services=tool)
    platform_id = registry.save_platform(tool.db, issuer="https://moodle.example", client_id=CLIENT_ID, auth_login_url="https://moodle.example/a",
                                     auth_token_url="https://moodle.example/t", jwks_url="https://moodle.example/j", deployments=(DEPLOYMENT,))
    now = datetime.now(UTC)
    sectors = ["Citizen service centre", "Social services", "Κοινωνική υπηρεσία", "Padrón municipal"]
    rng = random.Random(16)
    questions = ("recurring", "recordable", "other-departments", "service-change", "mutual-benefit")
    token = secrets.token_urlsafe(32)
    common = dict(platform_id=platform_id, deployment_id=DEPLOYMENT, context_id="2", context_title="Q-SER", resource_link_id="7",
                  screener_id=SCREENER, ags_scopes=[], created_at=now, expires_at=now + timedelta(hours=1))
    with tool.db.begin() as conn:
        conn.execute(insert(T.launch).values(token_hash=tool.token_hash(token), user_sub="teacher", user_name="Teacher", lang="en",
                                             roles=["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"], **common))
        launch_ids = conn.execute(insert(T.launch).returning(T.launch.c.id), [
            {"token_hash": secrets.token_hex(32), "user_sub": f"u{i}", "user_name": f"Learner {i}", "lang": ("en", "el", "es")[i % 3],
             "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"], **common} for i in range(TEACH_ATTEMPTS)]).scalars().all()
        answers = [{q: rng.random() < 0.7 for q in questions} for _ in launch_ids]
        attempt_ids = conn.execute(insert(T.attempt).returning(T.attempt.c.id), [
            {"launch_id": lid, "answers": a, "score": sum(a.values()), "max_score": 5, "suitable": sum(a.values()) >= 4,
             "created_at": now - timedelta(minutes=rng.randrange(20 * 7 * 24 * 60))} for lid, a in zip(launch_ids, answers)]).scalars().all()
        summaries = []
        for i, aid in enumerate(attempt_ids):
            fields = {"name": f"Learner {i}", "title": f"Case {i}: interpreters on call", "sector": sectors[i % 4],
                      "background": "Families waited for hours without an interpreter. " * 8}
            summaries.append({"attempt_id": aid, "fields": fields, "lang": "en", "review_status": ("approved", "submitted", "approved")[i % 3], "created_at": now,
                              "reviewed_at": now, **summary_keys(fields)})
        conn.execute(insert(T.case_summary), summaries)
        conn.execute(insert(T.grade_outbox), [
            {"attempt_id": aid, "platform_id": platform_id, "lineitem_url": "https://moodle.example/li", "user_sub": f"u{i}",
             "score_given": 4.0, "score_maximum": 5.0, "activity_progress": "Completed", "grading_progress": "FullyGraded",
             "score_timestamp": now, "status": "delivered", "tries": 1, "next_attempt_at": now, "created_at": now}
            for i, aid in enumerate(attempt_ids)])
    client = app.test_client()
    form = {"launch": token, "csrf": tool.csrf_token(tool.token_hash(token))}
    timings = {}
    for name, path, extra in (("overview", "/teach/", {}), ("csv", "/teach/export.csv", {}),
                              ("search", "/teach/library", {"q": "interpreters", "sector": "κοινωνικη"})):
        assert client.post(path, data={**form, **extra}).status_code == 200
        began, cpu_before = time.perf_counter(), time.process_time()
        for _ in range(TEACH_ROUNDS):
            client.post(path, data={**form, **extra})
        timings[name] = 1000 * (time.perf_counter() - began) / TEACH_ROUNDS
        timings[f"{name}_cpu"] = 1000 * (time.process_time() - cpu_before) / TEACH_ROUNDS
    labels = {"submitted": "waiting for review", "approved": "approved", "rejected": "rejected"}
    with app.test_request_context():
        assert len(overview_charts(Scope(platform_id, "2", "7"), NO_FILTER, "en", SCREENER, labels)) == 6
        began, cpu_before = time.perf_counter(), time.process_time()
        for _ in range(TEACH_ROUNDS):
            overview_charts(Scope(platform_id, "2", "7"), NO_FILTER, "en", SCREENER, labels)
        timings["charts"] = 1000 * (time.perf_counter() - began) / TEACH_ROUNDS
        timings["charts_cpu"] = 1000 * (time.process_time() - cpu_before) / TEACH_ROUNDS
    tool.close()
    return timings
