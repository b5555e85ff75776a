"""The tool as several nodes on one database: keys and the state secret shared through the
database, rotation seen by every node at once, keys sealed at rest, the import of a var
folder from before, readiness, proxy headers believed only as configured."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import jwt
import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from lti_tool.lti.keys import KeyEncryptionError
from lti_tool.lti.login import StateCodec
from lti_tool.store import connect, tables as T
from lti_tool.store.tool_keys import open_tool_secrets
from lti_tool.web import create_app
from lti_tool.web.services import Services
from packager import lti_contract
from packager.cli import main
from tests.support.lti_flow import launch
from tests.support.postgres import free_port


@pytest.fixture
def two_nodes(settings, tmp_path):
    """Two tool nodes on one database, each with its own (empty) var folder."""
    nodes = [Services.build(replace(settings, var_dir=tmp_path / f"node{i}")) for i in (1, 2)]
    yield nodes
    for node in nodes:
        node.close()


def test_nodes_share_keys_and_secret_and_see_a_rotation_at_once(two_nodes):
    a, b = two_nodes
    assert a.keyring.jwks() == b.keyring.jwks() and len(a.keyring.jwks()["keys"]) == 1
    state = a.states.new(1, a.launch_url)
    assert b.states.read(state.value).nonce == state.nonce  # login on one node, launch on the other
    assert a.csrf_token("h") == b.csrf_token("h")
    old = a.keyring.signing_key().kid
    new = a.keyring.rotate(overlap_seconds=3600).kid
    client = create_app(b.settings, services=b, start_worker=False).test_client()
    published = client.get("/lti/jwks.json").get_json()["keys"]
    assert [k["kid"] for k in published] == [old, new]  # node b publishes both during the overlap
    token = b.keyring.sign({"sub": "x"})
    assert jwt.get_unverified_header(token)["kid"] == new  # and signs with the new one
    assert jwt.decode(token, jwt.PyJWK(published[1]).key, algorithms=["RS256"])["sub"] == "x"
    assert not (b.settings.var_dir / "keys").exists()  # nothing in the var folder


def test_keys_sealed_at_rest_and_refused_without_their_key(tmp_path, lti_content):
    url = f"sqlite:///{tmp_path / 'lti.sqlite3'}"
    key = Fernet.generate_key().decode()
    env = {"QSER_DATABASE_URL": url, "QSER_VAR_DIR": str(tmp_path / "var"), "QSER_CONTENT_DIR": str(lti_content), "QSER_CONFIG": ""}
    runner = CliRunner()
    first = runner.invoke(main, ["lti", "migrate"], env={**env, "QSER_KEY_ENCRYPTION_KEY": key})
    assert first.exit_code == 0 and "(encrypted)" in first.output and key not in first.output
    db = connect(url)
    with db.read() as conn:
        rows = [*conn.execute(select(T.tool_key.c.private_key, T.tool_key.c.sealed)), *conn.execute(select(T.tool_secret.c.value, T.tool_secret.c.sealed))]
    assert len(rows) == 2 and all(sealed for _, sealed in rows)
    assert b"PRIVATE KEY" not in (tmp_path / "lti.sqlite3").read_bytes()
    refused = runner.invoke(main, ["lti", "serve"], env=env)
    assert refused.exit_code == 2 and "encrypted: set key_encryption_key (QSER_KEY_ENCRYPTION_KEY)" in refused.output
    wrong = runner.invoke(main, ["lti", "rotate-keys"], env={**env, "QSER_KEY_ENCRYPTION_KEY": Fernet.generate_key().decode()})
    assert wrong.exit_code == 2 and "not the key they were encrypted with" in wrong.output
    with pytest.raises(KeyEncryptionError):
        open_tool_secrets(db, "")


def test_plain_keys_are_sealed_once_a_key_is_set(tmp_path):
    db = connect(f"sqlite:///{tmp_path / 'lti.sqlite3'}")
    from lti_tool.store import upgrade

    upgrade(db)
    plain, secret = open_tool_secrets(db, "")
    kid = plain.signing_key().kid
    sealed, same_secret = open_tool_secrets(db, Fernet.generate_key().decode())
    assert sealed.signing_key().kid == kid and same_secret == secret
    with db.read() as conn:
        assert all(conn.execute(select(T.tool_key.c.sealed)).scalars())


def test_migrate_imports_a_var_folder_so_no_platform_re_registers(tmp_path, lti_content):
    var = tmp_path / "var"
    (var / "keys").mkdir(parents=True)
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (var / "keys" / "old-kid.pem").write_bytes(pem)
    (var / "keys" / "keys.json").write_text(json.dumps({"keys": [{"kid": "old-kid", "created": 1.0, "retire_at": None}]}))
    (var / "secret.key").write_bytes(b"s" * 32)
    state = StateCodec(b"s" * 32, 600).new(1, "https://tool.example.org/lti/launch")  # issued before the upgrade
    env = {"QSER_VAR_DIR": str(var), "QSER_CONTENT_DIR": str(lti_content), "QSER_DATABASE_URL": "", "QSER_CONFIG": ""}
    result = CliRunner().invoke(main, ["lti", "migrate"], env=env)
    assert result.exit_code == 0 and "Imported from" in result.output and "1 key(s), the state secret" in result.output
    again = CliRunner().invoke(main, ["lti", "migrate"], env=env)
    assert "Imported" not in again.output  # once
    from lti_tool.config import Settings

    services = Services.build(Settings(var_dir=var, content_dir=lti_content))
    try:
        assert [k["kid"] for k in services.keyring.jwks()["keys"]] == ["old-kid"]
        assert services.keyring.jwks()["keys"][0]["n"] == json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))["n"]
        assert services.states.read(state.value).nonce == state.nonce
    finally:
        services.close()


def test_readiness_fails_when_the_database_does_not_answer(services):
    client = create_app(services.settings, services=services, start_worker=False).test_client()
    assert client.get("/readyz").status_code == 200
    services.db = connect(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")  # nothing listens there
    refused = client.get("/readyz")
    assert refused.status_code == 503 and refused.get_data(as_text=True) == "database unavailable\n"
    assert client.get("/healthz").status_code == 200  # alive, just not ready


def test_administrator_page_instead_of_the_learner_error(services):
    client = create_app(services.settings, services=services, start_worker=False).test_client()
    for lang, words in (("en", "Public keyset URL"), ("el", "URL δημόσιων κλειδιών"), ("es", "URL del conjunto de claves públicas")):
        page = client.get("/", headers={"Accept-Language": lang})
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and f'lang="{lang}"' in text and words in text and "http://localhost/lti/jwks.json" in text


@pytest.mark.parametrize("trusted", [0, 1])
def test_proxy_headers_believed_only_from_trusted_proxies(services, caplog, trusted):
    client = create_app(replace(services.settings, trusted_proxies=trusted), services=services, start_worker=False).test_client()
    caplog.set_level(logging.WARNING, "qser")
    client.post("/lti/launch", data={"state": "x"}, headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert ("from 203.0.113.9:" in caplog.text) == bool(trusted)


def test_course_drift_refuses_learners_and_warns_instructors(client, moodle, services, caplog):
    loaded = lti_contract.rules_fingerprint(services.catalog.page("cases/screener", "en").model)
    moodle.links["7"].custom = {"qser_screener": "cases/screener", lti_contract.CUSTOM_RULES: loaded}
    assert launch(client, moodle, user="101").response.status_code == 200  # built with the rules the tool runs
    moodle.links["7"].custom = {"qser_screener": "cases/screener", lti_contract.CUSTOM_RULES: "0123456789abcdef"}
    with services.db.read() as conn:
        before = len(conn.execute(select(T.launch.c.id)).all())
    caplog.set_level(logging.INFO, "qser")
    refused = launch(client, moodle, user="101").response
    assert refused.status_code == 409 and "another version of the screener" in refused.get_data(as_text=True)
    with services.db.read() as conn:
        assert len(conn.execute(select(T.launch.c.id)).all()) == before  # nothing stored, nothing to score
    assert f"built with rules 0123456789abcdef, the tool loaded {loaded} (learner refused)" in caplog.text
    staff = launch(client, moodle, user="201").response
    assert staff.status_code == 200 and "other screener questions or another threshold" in staff.get_data(as_text=True)


def test_deploy_examples_are_valid(tmp_path):
    """The example TOML loads as it is; Debian's nginx accepts the site (certificates swapped for test ones)."""
    import shutil
    import subprocess

    from lti_tool.config import load_settings
    from tests.support.cluster import self_signed

    deploy = Path(__file__).resolve().parents[2] / "deploy"
    settings = load_settings({"QSER_CONFIG": str(deploy / "lti.toml")})
    assert settings.trusted_proxies == 1 and settings.base_url.startswith("https://")
    cert, key = self_signed(tmp_path)
    site = (deploy / "nginx-qser.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/lti.example.org/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/lti.example.org/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(f"pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{ include {tmp_path}/site.conf; }}\n")
    result = subprocess.run([shutil.which("nginx") or "/usr/sbin/nginx", "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                             "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


SYSTEMD_UNITS = ("qser-lti.service", "qser-grade-worker.service", "qser-db-backup.service", "qser-db-backup.timer")


def test_systemd_units_verify(tmp_path):
    """systemd accepts the example units as they are: every key known, every value parsed, the
    commands they run present (in a root of their own, with the paths the units name: this
    test installs nothing on the machine). Any message at all fails the test: systemd only
    warns about an unknown key or a bad value, and then ignores the line."""
    import shutil
    import subprocess

    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is not installed (Debian package systemd; make test installs it through scripts/system-deps.sh)"
    deploy = Path(__file__).resolve().parents[2] / "deploy"
    root = tmp_path / "root"
    units = root / "etc/systemd/system"
    units.mkdir(parents=True)
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)  # the targets they are ordered against
    for command in ("/bin/sh", "/usr/bin/find"):  # what the backup runs
        (root / command.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(command, root / command.lstrip("/"))
    qser = root / "opt/qser/.venv/bin/qser"  # the installation the README's steps make
    qser.parent.mkdir(parents=True)
    qser.write_text("#!/bin/sh\n")
    qser.chmod(0o755)
    (root / "etc/qser").mkdir()
    shutil.copy(deploy / "qser.env", root / "etc/qser/qser.env")
    for name in SYSTEMD_UNITS:
        shutil.copy(deploy / name, units / name)
    for name in SYSTEMD_UNITS:
        result = subprocess.run([analyze, "verify", "--man=no", f"--root={root}", str(units / name)], capture_output=True, text=True)
        assert (result.returncode, result.stdout + result.stderr) == (0, ""), name
