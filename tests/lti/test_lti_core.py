"""The framework-free parts on their own: state, URLs, keys, JWKS cache, retry policy,
screener parsing, settings, log redaction, migrations."""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric import rsa

from lti_tool.config import ConfigError, load_settings
from lti_tool.lti.ags import Score, extend_path
from lti_tool.lti.errors import LtiError
from lti_tool.lti.jwks import JwksCache
from lti_tool.lti.keys import KeyEncryptionError, KeySeal, ToolKeyring
from lti_tool.lti.login import StateCodec, check_target, own_urls
from lti_tool.lti.registrations import Registration
from lti_tool.lti.service_token import same_origin
from lti_tool.outbox import policy
from lti_tool.screener import FormProblem, ScreenerCatalog, parse_answers, parse_summary
from lti_tool.store import connect, upgrade
from lti_tool.store.tables import metadata
from lti_tool.web.security import redact
from tests.support.lti_flow import ALL_ANSWERS


# --- state and targets ------------------------------------------------------------------------


def test_state_round_trip_tamper_and_expiry():
    codec = StateCodec(b"k" * 32, ttl_seconds=60)
    state = codec.new(7, "https://tool.example/lti/launch", now=1000)
    back = codec.read(state.value, now=1010)
    assert (back.platform_id, back.nonce, back.target) == (7, state.nonce, "https://tool.example/lti/launch")
    with pytest.raises(LtiError) as exc:
        codec.read(state.value, now=1061)
    assert exc.value.code == "state_expired"
    with pytest.raises(LtiError) as exc:
        StateCodec(b"x" * 32, 60).read(state.value, now=1010)
    assert exc.value.code == "state_invalid"
    middle = len(state.value) // 2  # a character of whole bits (the last ones may be padding bits)
    tampered = state.value[:middle] + ("B" if state.value[middle] == "A" else "A") + state.value[middle + 1:]
    for junk in ("", "abc", "a.b", tampered, "." * 10):
        with pytest.raises(LtiError):
            codec.read(junk, now=1010)
    assert codec.new(7, "t").nonce != codec.new(7, "t").nonce


def test_id_token_segments_are_decoded_as_pyjwt_decodes_them():
    """The launch validator's faster base64url check (lti_tool.lti.launch._Jws) accepts and
    refuses exactly what PyJWT's own does, padding and trailing bits included."""
    from jwt.api_jws import PyJWS

    from lti_tool.lti.launch import _Jws

    rng = random.Random(12)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    segments = ["", "=", "==", "===", "QQ", "QQ==", "QR", "QQ=", "QUI", "QUI=", "QUJD", "QUJD=", "Q", "!!!!", "QU+C", "QU/C",
                "QUJD\n", " QUJD", "QUJD ", "eyJhIjoxfQ", "eyJhIjoxfQ==", "QQ==QQ", "é", "QUJD\x00"]
    segments += ["".join(rng.choice(alphabet + "=+/!. ") for _ in range(rng.randrange(12))) for _ in range(3000)]

    def outcome(decode, segment):
        try:
            return decode(segment.encode(), "payload")
        except jwt.exceptions.DecodeError as exc:
            return str(exc)

    for segment in segments:
        assert outcome(_Jws._decode_base64url_segment, segment) == outcome(PyJWS._decode_base64url_segment, segment), segment


def test_target_must_be_our_own_launch_url():
    ours = own_urls("https://tool.example/qser/lti/launch")
    assert check_target("HTTPS://Tool.Example/qser/lti/launch", ours) == "https://tool.example/qser/lti/launch"
    for foreign in ("https://evil.example/qser/lti/launch", "https://tool.example/qser/lti/launch/../x",
                    "https://tool.example.evil.example/qser/lti/launch", "javascript:alert(1)"):
        with pytest.raises(LtiError):
            check_target(foreign, ours)


# --- AGS URLs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lineitem", "scores"), [
    ("https://m.example/mod/lti/services.php/2/lineitems/11/lineitem?type_id=3",
     "https://m.example/mod/lti/services.php/2/lineitems/11/lineitem/scores?type_id=3"),
    ("https://lms.example/api/lineitems/5/", "https://lms.example/api/lineitems/5/scores"),
    ("https://lms.example/api/lineitems/5?a=1&b=2#frag", "https://lms.example/api/lineitems/5/scores?a=1&b=2#frag"),
])
def test_scores_url_keeps_the_query_string(lineitem, scores):
    assert extend_path(lineitem, "scores") == scores


def test_bearer_tokens_only_go_to_the_platform():
    reg = Registration(1, "https://moodle.example", "c", "https://moodle.example/mod/lti/certs.php",
                       auth_token_url="https://moodle.example/mod/lti/token.php")
    assert same_origin("https://moodle.example/mod/lti/services.php/2/lineitems/1/lineitem?type_id=1", reg)
    assert not same_origin("https://evil.example/collect", reg)
    assert not same_origin("http://moodle.example/downgraded", reg)


def test_score_json_has_what_moodle_requires():
    from datetime import UTC, datetime

    body = Score("42", 4.0, 5.0, datetime(2026, 11, 1, 12, 0, tzinfo=UTC), "Completed").as_json()
    assert body == {"userId": "42", "scoreGiven": 4.0, "scoreMaximum": 5.0, "timestamp": "2026-11-01T12:00:00.000+00:00",
                    "activityProgress": "Completed", "gradingProgress": "FullyGraded"}


# --- outbox policy ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "kind"), [
    (200, "delivered"), (201, "delivered"), (204, "delivered"), (409, "delivered"),
    (None, "retry"), (401, "retry"), (408, "retry"), (429, "retry"), (500, "retry"), (502, "retry"), (503, "retry"), (504, "retry"),
    (400, "failed"), (403, "failed"), (404, "failed"), (422, "failed"),
])
def test_platform_answers_are_classified(status, kind):
    assert policy.classify(status, "body").kind == kind


def test_terminal_reasons_are_explained():
    reason = policy.classify(400, "Incorrect score received").reason
    assert "not gradable" in reason and "Incorrect score received" in reason
    assert policy.classify(429, "", "7").retry_after == 7.0


def test_backoff_grows_with_jitter_and_a_cap():
    rng = random.Random(1)
    delays = [policy.backoff(t, 2.0, 60.0, rng) for t in range(1, 10)]
    assert 1.0 <= delays[0] <= 2.0 and 2.0 <= delays[1] <= 4.0 and 4.0 <= delays[2] <= 8.0
    assert all(30.0 <= d <= 60.0 for d in delays[6:])
    assert len({round(policy.backoff(3, 2.0, 60.0, rng), 6) for _ in range(20)}) > 15  # jittered


# --- keys -------------------------------------------------------------------------------------------


def test_tool_keys_rotate_with_overlap_and_open_only_with_their_seal():
    rows = []

    class Source:  # the KeySource contract, in memory (the database one is tested in test_lti_production)
        def rows(self):
            return list(rows)

        def rotate(self, new, overlap, now, only_if_none_current):
            if only_if_none_current and any(r.retire_at is None for r in rows):
                return False
            rows[:] = [r if r.retire_at is not None else replace(r, retire_at=now + overlap) for r in rows
                       if r.retire_at is None or r.retire_at > now] + [new]
            return True

    ring = ToolKeyring(Source(), KeySeal(Fernet.generate_key().decode()))
    ring.ensure()
    first = ring.signing_key()
    ring.ensure()
    assert ring.signing_key().kid == first.kid and len(rows) == 1  # a second start keeps the key
    assert rows[0].sealed and b"PRIVATE KEY" not in rows[0].data  # encrypted at rest
    second = ring.rotate(overlap_seconds=100, now=time.time())
    assert ring.signing_key().kid == second.kid
    assert {k["kid"] for k in ring.jwks()["keys"]} == {first.kid, second.kid}
    assert {k["kid"] for k in ring.jwks(at=time.time() + 101)["keys"]} == {second.kid}
    token = ring.sign({"sub": "x"})
    public = jwt.PyJWK(ring.jwks()["keys"][-1])
    assert jwt.decode(token, public.key, algorithms=["RS256"])["sub"] == "x"
    ring.rotate(overlap_seconds=0, now=time.time() + 200)  # the retired first key is deleted
    assert first.kid not in {r.kid for r in rows}
    with pytest.raises(KeyEncryptionError, match="set key_encryption_key"):
        ToolKeyring(Source(), KeySeal()).check_readable()
    with pytest.raises(KeyEncryptionError, match="not the key they were encrypted with"):
        ToolKeyring(Source(), KeySeal(Fernet.generate_key().decode())).check_readable()
    with pytest.raises(KeyEncryptionError, match="not a Fernet key"):
        KeySeal("too-short")


# --- platform JWKS cache ----------------------------------------------------------------------------


class _Jwks:
    def __init__(self):
        self.keys = []
        self.hits = 0
        self.cache_control = "max-age=300"
        self.body = None
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits += 1
                body = outer.body or json.dumps({"keys": outer.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", outer.cache_control)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/certs"

    def add_key(self, kid: str, **extra):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        self.keys.append({**jwk, "kid": kid, "alg": "RS256", "use": "sig", **extra})
        return key


@pytest.fixture
def jwks_server():
    server = _Jwks()
    yield server
    server.server.shutdown()


def test_jwks_cached_and_refetched_for_a_new_kid(jwks_server):
    jwks_server.add_key("k1")
    cache = JwksCache(min_refetch=0)
    assert cache.key(jwks_server.url, "k1") is not None
    assert cache.key(jwks_server.url, "k1") is not None
    assert jwks_server.hits == 1  # cached
    jwks_server.add_key("k2")  # the platform rotates
    assert cache.key(jwks_server.url, "k2") is not None
    assert jwks_server.hits == 2


def test_unknown_kid_refetch_is_rate_limited(jwks_server):
    jwks_server.add_key("k1")
    cache = JwksCache(min_refetch=60)
    cache.key(jwks_server.url, "k1")
    for i in range(20):
        with pytest.raises(LtiError) as exc:
            cache.key(jwks_server.url, f"forged-{i}")
        assert exc.value.code == "unknown_kid"
    assert jwks_server.hits == 1  # a flood of random kids does not hammer the platform


def test_malformed_and_unusable_keys_are_skipped(jwks_server):
    jwks_server.keys.append({"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"})
    jwks_server.add_key("enc", use="enc")
    jwks_server.add_key("hs", alg="HS256")
    jwks_server.add_key("good")
    cache = JwksCache(min_refetch=0)
    assert cache.key(jwks_server.url, "good") is not None
    for kid in ("broken", "enc", "hs"):
        with pytest.raises(LtiError):
            cache.key(jwks_server.url, kid)


def test_oversized_or_invalid_jwks_is_an_error_not_a_crash(jwks_server):
    cache = JwksCache(min_refetch=0)
    jwks_server.body = b"{" + b" " * (300 * 1024) + b"}"
    with pytest.raises(LtiError) as exc:
        cache.key(jwks_server.url, "k")
    assert exc.value.status == 502
    jwks_server.body = b"<html>not json</html>"
    with pytest.raises(LtiError):
        JwksCache(min_refetch=0).key(jwks_server.url, "k")
    with pytest.raises(LtiError) as exc:
        JwksCache(timeout=1).key("http://127.0.0.1:9/nothing-listens", "k")
    assert exc.value.code == "jwks_unreachable"


# --- screener ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog(lti_content):
    return ScreenerCatalog.load(lti_content)


def test_screener_answers_use_the_packager_rule(catalog):
    page = catalog.page("cases/screener", "en")
    form = {f"q-{q}": "yes" for q in ALL_ANSWERS[:4]} | {"q-mutual-benefit": "no", "q-bogus": "yes", "score": "5"}
    answers = parse_answers(form, page)
    assert page.model.score(answers) == 4 and page.model.is_suitable(4)
    with pytest.raises(FormProblem) as exc:
        parse_answers({"q-recurring": "maybe"}, page)
    assert set(exc.value.fields) == set(ALL_ANSWERS)


def test_summary_fields_are_checked(catalog):
    page = catalog.page("cases/screener", "el")
    values = parse_summary({"f-name": "  Ελένη  ", "f-title": "a\r\nb", "f-background": "x\r\ny"}, page)
    assert values == {"name": "Ελένη", "title": "a b", "sector": "", "background": "x\ny", "source": ""}
    with pytest.raises(FormProblem) as exc:
        parse_summary({"f-name": "x" * 2001, "f-title": ""}, page)
    assert exc.value.fields == {"name": "lti_field_too_long", "title": "lti_field_required", "background": "lti_field_required"}


@pytest.mark.parametrize(("custom", "locale", "lang"), [
    (None, "el-GR", "el"), (None, "el_GR", "el"), ("el", "en-US", "el"), ("fr", "fr-FR", "en"), (None, None, "en"), ("de", "EL", "el"),
])
def test_language_choice(catalog, custom, locale, lang):
    assert catalog.language(custom, locale) == lang


def test_the_shipped_course_screener_loads():
    from lti_tool.config import REPO_ROOT

    catalog = ScreenerCatalog.load(REPO_ROOT / "content")
    assert "finding-case-studies/screener" in catalog.screener_ids
    page = catalog.page("finding-case-studies/screener", "es")
    assert page.model.threshold == 4 and page.model.max_score == 5


# --- settings and logs --------------------------------------------------------------------------------


def test_settings_from_toml_then_environment(tmp_path):
    config = tmp_path / "qser.toml"
    config.write_text('[lti]\nbase_url = "https://tool.example.org/qser"\nclock_leeway_seconds = 5\noutbox_inline = true\n')
    settings = load_settings({"QSER_CONFIG": str(config), "QSER_CLOCK_LEEWAY_SECONDS": "20", "QSER_VAR_DIR": str(tmp_path / "v")})
    assert settings.base_url == "https://tool.example.org/qser/"
    assert settings.clock_leeway_seconds == 20 and settings.outbox_inline is True
    assert settings.db_url == f"sqlite:///{tmp_path / 'v' / 'lti.sqlite3'}"
    assert load_settings({"QSER_DATABASE_URL": "postgresql+psycopg://u@h/db"}).run_inline_worker is False


@pytest.mark.parametrize(("environ", "message"), [
    ({"QSER_CLOCK_LEEWAY_SECONDS": "soon"}, "clock_leeway_seconds"),
    ({"QSER_BASE_URL": "tool.example.org"}, "base_url"),
    ({"QSER_CONFIG": "/nonexistent/qser.toml"}, "not found"),
])
def test_bad_settings_name_the_setting(environ, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(environ)


def test_unknown_toml_key_is_reported(tmp_path):
    config = tmp_path / "q.toml"
    config.write_text("base_ulr = 'https://x.example'\n")
    with pytest.raises(ConfigError, match="base_ulr"):
        load_settings({"QSER_CONFIG": str(config)})


def test_redaction_of_tokens_in_log_lines():
    line = ('"POST /lti/launch?state=abc.def&x=1 HTTP/1.1" id_token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln '
            'Authorization: Bearer 0123456789abcdef launch=Zm9v csrf=123 "GET /lti/register?invite=Rk3xYz&openid_configuration=u"')
    cleaned = redact(line)
    for secret in ("abc.def", "eyJhbGciOiJSUzI1NiJ9", "0123456789abcdef", "Zm9v", "csrf=123", "Rk3xYz"):
        assert secret not in cleaned
    assert "x=1" in cleaned


# --- migrations -----------------------------------------------------------------------------------------


def test_migrations_build_exactly_the_declared_tables(db_url):
    db = connect(db_url)
    upgrade(db)
    upgrade(db)  # idempotent: a restart applies nothing
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    db.engine.dispose()


def test_used_nonces_are_purged_once_they_cannot_be_replayed(db_url):
    from datetime import timedelta

    from sqlalchemy import func, insert, select

    from lti_tool.store import launches
    from lti_tool.store import tables as T
    from lti_tool.store.db import now

    db = connect(db_url)
    upgrade(db)
    with db.begin() as conn:
        conn.execute(insert(T.nonce_used), [{"nonce": "old", "expires_at": now() - timedelta(seconds=1)},
                                            {"nonce": "live", "expires_at": now() + timedelta(hours=1)}])
    assert launches.purge_expired(db) == 1
    with db.read() as conn:
        assert conn.execute(select(T.nonce_used.c.nonce)).scalars().all() == ["live"]
        assert conn.execute(select(func.count()).select_from(T.nonce_used)).scalar_one() == 1
    db.engine.dispose()


def test_staff_roles_come_from_lis_role_uris_only():
    from lti_tool.lti.roles import is_staff

    lis = "http://purl.imsglobal.org/vocab/lis/v2/"
    for roles in ([lis + "membership#Instructor"], [lis + "membership#ContentDeveloper"], [lis + "membership#Administrator"],
                  [lis + "institution/person#Administrator"], [lis + "system/person#Administrator"],
                  [lis + "membership/Instructor#TeachingAssistant"], [lis + "membership#Learner", lis + "membership#Instructor"]):
        assert is_staff(roles), roles
    for roles in ([], [lis + "membership#Learner"], [lis + "membership/Learner#Learner"], [lis + "membership#Mentor"],
                  ["Instructor"], [lis + "system/person#User"], [lis + "institution/person#Instructor"],
                  ["http://purl.imsglobal.org/vocab/lis/v2/membership#InstructorX"]):
        assert not is_staff(roles), roles
