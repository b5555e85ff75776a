"""Two tool nodes on one PostgreSQL behind Debian's nginx over HTTPS (round robin), driven by
the fake Moodle: complete launches whose login initiation and launch land on different nodes,
a node killed with ``kill -9`` in the middle of the run without losing a score, and the
security refusals (forged, replayed, misdirected launches; nothing stored) on this setup."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import threading
import time

import jwt
import pytest
import requests
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from lti_tool.store import connect, tables as T
from lti_tool.store.migrate import current_revision
from tests.support.cluster import ROOT, Nginx, Node, previous_release, wait_until
from tests.support.fake_moodle import FakeMoodle
from tests.support.fake_moodle_lti1p3 import LEARNER, User, parse_form_post
from tests.support.lti_flow import ALL_ANSWERS, hidden
from tests.support.postgres import free_port

pytestmark = [pytest.mark.cluster, pytest.mark.postgres]
LAUNCHES = 500
THREADS = 6
ITEM = "11"
KILL_SETTLE_SECONDS = 2.0  # after a node dies, nginx has marked it down within this  # the fake Moodle's grade item of link 7


class TrustingSession(requests.Session):
    """Trusts the test's certificate on every request (``Session.verify`` alone loses to
    ``REQUESTS_CA_BUNDLE`` in the environment)."""

    def __init__(self, ca: str):
        super().__init__()
        self.ca = ca

    def request(self, *args, **kwargs):
        kwargs.setdefault("verify", self.ca)
        return super().request(*args, **kwargs)


class Cluster:
    def __init__(self, root, db_url, content, source=ROOT):
        ports = [free_port(), free_port()]
        self.nginx = Nginx(root / "nginx", ports)
        self.base = self.nginx.url
        self.moodle = FakeMoodle(self.base, tool_jwks=self.tool_jwks)
        self._jwks = (0.0, {})
        self.moodle.links["7"].custom = {"qser_screener": "cases/screener"}
        common = {"QSER_DATABASE_URL": db_url, "QSER_CONTENT_DIR": str(content), "QSER_BASE_URL": self.base, "QSER_CONFIG": "",
                  "QSER_TRUSTED_PROXIES": "1", "QSER_KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(), "QSER_LOG_LEVEL": "WARNING",
                  "QSER_OUTBOX_LEASE_SECONDS": "3", "QSER_OUTBOX_BACKOFF_BASE_SECONDS": "0.2", "QSER_OUTBOX_BACKOFF_CAP_SECONDS": "1",
                  "QSER_REGISTRATION_ALLOWED_NETWORKS": "127.0.0.0/8"}
        self.nodes = [Node(name, port, {**os.environ, **common, "QSER_VAR_DIR": str(root / name)}, source=source)
                      for name, port in zip(("a", "b"), ports)]
        self.db = connect(db_url)

    def start(self):
        self.moodle.start()
        self.nodes[0].start()  # migrates, creates the keys; the second node uses the same
        m = self.moodle
        subprocess.run([sys.executable, "-m", "packager.cli", "lti", "add-platform", "--issuer", m.issuer, "--client-id", m.client_id,
                        "--auth-url", m.auth_url, "--token-url", m.token_url, "--jwks-url", m.jwks_url, "--deployment", m.deployment_id],
                       env=self.nodes[0].env, cwd=self.nodes[0].source, check=True, capture_output=True)
        self.nodes[1].start()
        self.nginx.start()
        return self

    def tool_jwks(self) -> dict:
        """The tool's key set through nginx, kept a few seconds: the fake Moodle asks for it on
        every request, and a tool worker waiting on Moodle must not wait on itself."""
        fetched, keys = self._jwks
        if time.monotonic() - fetched > 5:
            keys = requests.get(self.base + "lti/jwks.json", verify=str(self.nginx.cert), timeout=10).json()
            self._jwks = (time.monotonic(), keys)
        return keys

    def stop(self):
        self.nginx.stop()
        for node in self.nodes:
            node.stop()
        self.moodle.stop()
        self.db.engine.dispose()

    def session(self) -> requests.Session:
        return TrustingSession(str(self.nginx.cert))

    def login(self, session, user: str):
        """Moodle's login initiation, then Moodle's authorization answer (the form it auto-posts)."""
        login = session.post(self.base + "lti/login", data=self.moodle.login_params(user, "7"), timeout=20)
        found = re.search(r'data-auth="([^"]*)"', login.text)  # the login page sends the browser on to Moodle
        assert login.status_code == 200 and found, (login.status_code, login.text[:300])
        auth = requests.get(html.unescape(found.group(1)), timeout=20)
        assert auth.status_code == 200, auth.text[:300]
        action, fields = parse_form_post(auth.text)
        return login, action, fields

    def complete_launch(self, session, user: str) -> tuple[str, str, str]:
        """Login, launch, the screener answered: the upstream node of each step."""
        login, action, fields = self.login(session, user)
        launched = session.post(action, data=fields, timeout=20)
        assert launched.status_code == 200 and "<fieldset" in launched.text, (launched.status_code, launched.text[:500])
        form = {"launch": hidden(launched.text, "launch"), "csrf": hidden(launched.text, "csrf"), **{f"q-{q}": "yes" for q in ALL_ANSWERS}}
        answered = session.post(self.base + "screener/answers", data=form, timeout=20)
        assert answered.status_code == 200 and hidden(answered.text, "attempt"), (answered.status_code, answered.text[:500])
        return login.headers["X-Upstream"], launched.headers["X-Upstream"], answered.headers["X-Upstream"]

    def count(self, table) -> int:
        with self.db.read() as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()

    def attempt_users(self) -> set[str]:
        with self.db.read() as conn:
            return set(conn.execute(select(T.launch.c.user_sub).join(T.attempt, T.attempt.c.launch_id == T.launch.c.id)).scalars())

    def graded(self, users) -> set[str]:
        with self.moodle.lock:
            return {u for u in users if (ITEM, u) in self.moodle.grades and self.moodle.grades[(ITEM, u)][1]["scoreGiven"] == 5}


@pytest.fixture(scope="module")
def cluster(pg_cluster, tmp_path_factory, lti_content):
    running = Cluster(tmp_path_factory.mktemp("cluster"), pg_cluster.create_database("cluster"), lti_content).start()
    yield running
    running.stop()


def run_launches(cluster, users: list[str], threads: int, on_each=None) -> tuple[list, list]:
    """Complete launches for ``users`` from ``threads`` clients; (results, errors) with start times."""
    todo = list(reversed(users))
    results, errors, lock = [], [], threading.Lock()

    def client():
        session = cluster.session()
        while True:
            with lock:
                if not todo:
                    return
                user = todo.pop()
            began = time.monotonic()
            try:
                hops = cluster.complete_launch(session, user)
                with lock:
                    results.append((began, user, hops))
            except Exception as exc:  # noqa: BLE001 (every failure is reported below)
                with lock:
                    errors.append((began, user, repr(exc)[:300]))
                session = cluster.session()
            if on_each:
                on_each(len(results) + len(errors))

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return results, errors


def add_learners(moodle, prefix: str, n: int) -> list[str]:
    users = [f"{prefix}{i}" for i in range(n)]
    for u in users:
        moodle.users[u] = User(u, f"Learner {u}", [LEARNER])
    return users


def test_launches_across_two_nodes_behind_nginx(cluster):
    users = add_learners(cluster.moodle, "u", LAUNCHES)
    results, errors = run_launches(cluster, users, THREADS)
    assert errors == [] and len(results) == LAUNCHES
    nodes = {f"127.0.0.1:{n.port}" for n in cluster.nodes}
    crossed = sum(1 for _, _, (login, launch, _) in results if login != launch)
    assert crossed > 0 and {launch for _, _, (_, launch, _) in results} == nodes  # login on one node, launch on the other
    assert {answered for _, _, (_, _, answered) in results} == nodes  # the screener answered on either
    wait_until(lambda: cluster.graded(users) == set(users), 90, lambda: f"{len(cluster.graded(users))} of {len(users)} scores in Moodle")


def test_forged_replayed_and_misdirected_launches_refused_on_the_cluster(cluster):
    session = cluster.session()
    cluster.moodle.users["s1"] = User("s1", "Sam Learner", [LEARNER])
    before = cluster.count(T.launch), cluster.count(T.nonce_used)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for forge in ("signature", "audience"):
        _, action, fields = cluster.login(session, "s1")
        claims = jwt.decode(fields["id_token"], options={"verify_signature": False})
        if forge == "signature":
            token = cluster.moodle.sign(claims, key=other_key)  # Moodle's kid, another key
        else:
            token = cluster.moodle.sign({**claims, "aud": "another-tool"})  # meant for another tool
        refused = session.post(action, data={**fields, "id_token": token}, timeout=20)
        assert refused.status_code in (401, 403), (forge, refused.status_code)
    assert (cluster.count(T.launch), cluster.count(T.nonce_used)) == before  # nothing stored
    _, action, fields = cluster.login(session, "s1")
    cookies = session.cookies.copy()  # the replay comes with the browser's state cookie too
    first = session.post(action, data=fields, timeout=20)
    assert first.status_code == 200
    replays = [requests.post(action, data=fields, cookies=cookies, verify=session.ca, timeout=20) for _ in range(2)]  # both nodes
    assert [r.status_code for r in replays] == [403, 403] and all("already used" in r.text for r in replays)
    assert len({first.headers["X-Upstream"], *(r.headers["X-Upstream"] for r in replays)}) == 2
    assert cluster.count(T.launch) == before[0] + 1


def test_a_node_killed_mid_run_loses_no_score(cluster):
    users = add_learners(cluster.moodle, "k", 100)
    killed = {}

    def kill_after_40(done: int):
        if done >= 40 and not killed:
            killed["at"] = time.monotonic()
            cluster.nodes[0].kill()

    results, errors = run_launches(cluster, users, THREADS, on_each=kill_after_40)
    assert killed
    # launches whose request was on the dead node (in flight, or sent on one of nginx's kept-alive
    # connections to it before nginx marked it down) fail with 502 as a browser would see it;
    # nginx never re-sends a POST that may have reached a node, so nothing is submitted twice
    assert len(errors) <= THREADS and all("502" in e[2] for e in errors), errors
    assert [e for e in errors if e[0] >= killed["at"] + KILL_SETTLE_SECONDS] == []
    later = add_learners(cluster.moodle, "l", 80)
    going_on, failed = run_launches(cluster, later, THREADS)  # the launches go on, on the other node
    assert failed == [] and len(going_on) == len(later)
    assert {hop for _, _, hops in going_on for hop in hops} == {f"127.0.0.1:{cluster.nodes[1].port}"}
    users += later
    results += going_on
    attempted = cluster.attempt_users() & set(users)
    assert {u for _, u, _ in results} <= attempted
    # every stored attempt (also one whose answer page was lost with the node) reaches Moodle
    wait_until(lambda: cluster.graded(attempted) == attempted, 90, lambda: f"{len(cluster.graded(attempted))} of {len(attempted)} scores in Moodle")


def test_rolling_upgrade_with_a_schema_change_loses_no_launch_and_no_score(pg_cluster, tmp_path, lti_content):
    """README "Upgrades", step by step, with launches and scores going on all along: two nodes
    of the release before (this tree without its newest migration); ``qser lti migrate`` of
    the new release expands the schema under them; a node of the old release restarts on the
    expanded schema (a crash, a reboot); each node in turn is taken out of nginx, restarted on
    the new release and put back. No launch fails, every score reaches Moodle."""
    old = previous_release(tmp_path / "old", "0005_library_index.py")
    cluster = Cluster(tmp_path, pg_cluster.create_database("upgrade"), lti_content, source=old).start()
    done, errors, stop = [], [], threading.Event()

    def learner(n: int):
        session, i = cluster.session(), 0
        session.headers["Connection"] = "close"  # a client's kept-alive connection would outlive nginx's old workers
        while not stop.is_set():
            user = f"r{n}-{i}"
            i += 1
            cluster.moodle.users[user] = User(user, f"Learner {user}", [LEARNER])
            try:
                cluster.complete_launch(session, user)
                done.append(user)
            except Exception as exc:  # noqa: BLE001 (every failure is reported below)
                errors.append((user, repr(exc)[:300]))

    def restart(node: Node, source) -> None:
        others = [n.port for n in cluster.nodes if n is not node]
        cluster.nginx.route_to(others)
        node.stop()
        node.source = source
        node.start()
        cluster.nginx.route_to([n.port for n in cluster.nodes])

    def progress(more: int) -> None:
        target = len(done) + more
        wait_until(lambda: len(done) >= target or errors, 60, lambda: f"{len(done)} launches, errors {errors[:3]}")

    clients = [threading.Thread(target=learner, args=(n,)) for n in range(2)]
    try:
        assert current_revision(cluster.db) == "0004"
        for c in clients:
            c.start()
        progress(5)
        migrated = subprocess.run([sys.executable, "-m", "packager.cli", "lti", "migrate"], cwd=ROOT, env=cluster.nodes[0].env,
                                  capture_output=True, text=True, timeout=120)
        assert migrated.returncode == 0 and "at revision 0005" in migrated.stdout, migrated.stderr
        progress(5)
        restart(cluster.nodes[0], old)
        assert "newer than this release knows" in cluster.nodes[0].log_path.read_text()
        for node in (cluster.nodes[1], cluster.nodes[0]):
            progress(5)
            restart(node, ROOT)
        progress(5)
        stop.set()
        for c in clients:
            c.join(60)
        assert errors == [] and current_revision(cluster.db) == "0005"
        wait_until(lambda: cluster.graded(done) == set(done), 90, lambda: f"{len(cluster.graded(done))} of {len(done)} scores in Moodle")
    finally:
        stop.set()
        cluster.stop()
