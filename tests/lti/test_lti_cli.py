"""``qser lti ...`` commands, and ``qser lti serve`` running uWSGI for real."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import time

import requests
from click.testing import CliRunner

from packager.cli import main
from tests.support.lti_flow import auth_location
from tests.support.postgres import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def env(tmp_path, lti_content, **extra) -> dict[str, str]:
    return {"QSER_VAR_DIR": str(tmp_path / "var"), "QSER_CONTENT_DIR": str(lti_content), "QSER_BASE_URL": "https://tool.example.org/qser/",
            "QSER_DATABASE_URL": "", "QSER_CONFIG": "", **extra}


def test_platform_administration(tmp_path, lti_content):
    runner = CliRunner()
    environ = env(tmp_path, lti_content)
    result = runner.invoke(main, ["lti", "add-platform", "--moodle", "https://moodle.example.org/", "--client-id", "abc", "--deployment", "3",
                                  "--name", "Our Moodle"], env=environ)
    assert result.exit_code == 0, result.output
    assert "Platform 1 saved" in result.output
    result = runner.invoke(main, ["lti", "add-platform", "--moodle", "https://moodle.example.org", "--client-id", "abc", "--deployment", "4"], env=environ)
    assert "Platform 1 saved" in result.output  # same issuer + client: updated, deployment added
    result = runner.invoke(main, ["lti", "list"], env=environ)
    assert "Initiate login URL:           https://tool.example.org/qser/lti/login" in result.output
    assert "Public keyset URL:            https://tool.example.org/qser/lti/jwks.json" in result.output
    assert "https://moodle.example.org/mod/lti/auth.php" in result.output and "deployments: 3, 4" in result.output

    result = runner.invoke(main, ["lti", "remove", "1", "--deployment", "3", "--yes"], env=environ)
    assert result.exit_code == 0
    assert "deployments: 4" in runner.invoke(main, ["lti", "list"], env=environ).output
    result = runner.invoke(main, ["lti", "remove", "9", "--yes"], env=environ)
    assert result.exit_code == 1 and "no platform 9" in result.output
    assert runner.invoke(main, ["lti", "remove", "1", "--yes"], env=environ).exit_code == 0
    assert "No platform registered" in runner.invoke(main, ["lti", "list"], env=environ).output


def test_add_platform_errors_are_clear(tmp_path, lti_content):
    runner = CliRunner()
    result = runner.invoke(main, ["lti", "add-platform", "--issuer", "https://lms.example", "--client-id", "x"], env=env(tmp_path, lti_content))
    assert result.exit_code == 2 and "--auth-url" in result.output
    result = runner.invoke(main, ["lti", "add-platform", "--moodle", "moodle.example", "--client-id", "x"], env=env(tmp_path, lti_content))
    assert result.exit_code == 2 and "not an http(s):// address" in result.output
    result = runner.invoke(main, ["lti", "list"], env={**env(tmp_path, lti_content), "QSER_STATE_TTL_SECONDS": "ten"})
    assert result.exit_code == 2 and "state_ttl_seconds" in result.output


def test_rotate_keys_and_migrate(tmp_path, lti_content):
    runner = CliRunner()
    environ = env(tmp_path, lti_content)
    first = runner.invoke(main, ["lti", "rotate-keys", "--overlap", "3600"], env=environ)  # the first start's key, then a new one
    second = runner.invoke(main, ["lti", "rotate-keys", "--overlap", "3600"], env=environ)
    assert "2 key(s) published" in first.output and "3 key(s) published" in second.output
    result = runner.invoke(main, ["lti", "migrate"], env=environ)
    assert result.exit_code == 0 and "at revision 0005" in result.output


def test_serve_runs_uwsgi(tmp_path, lti_content):
    port = free_port()
    environ = {**os.environ, **env(tmp_path, lti_content, QSER_BASE_URL=f"http://127.0.0.1:{port}/", QSER_ACCESS_LOG="1"),
               "HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "packager.cli", "lti", "serve", "--port", str(port), "--workers", "2"],
                            cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.poll() is not None else "timeout"
                time.sleep(0.2)
        assert health.text == "ok\n"
        assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).text == "ready\n"
        home = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert home.status_code == 200 and f"http://127.0.0.1:{port}/lti/jwks.json" in home.text
        keys = requests.get(f"http://127.0.0.1:{port}/lti/jwks.json", timeout=5).json()["keys"]
        assert len(keys) == 1  # both workers publish the one key created before they started
        refused = requests.post(f"http://127.0.0.1:{port}/lti/launch", data={"state": "x", "id_token": "y"}, timeout=5)
        assert refused.status_code == 403
        token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
        assert requests.get(f"http://127.0.0.1:{port}/lti/launch?id_token={token}&state=abc", timeout=5).status_code == 405
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0, output  # SIGTERM: a graceful stop
    assert "spawned uWSGI worker 2" in output and "goodbye to uWSGI" in output  # not the development server
    assert "GET /lti/launch?id_token=[redacted]&state=[redacted]" in output  # the access log, redacted
    assert token not in output and "abc" not in output
    # the tool's own lines, with time, process and level
    assert re.search(r"^\[\d{4}-\d\d-\d\d [\d:]+ [+-]\d{4}\] \[\d+\] \[INFO\] qser\.web: worker ready", output, re.M), output
    assert re.search(r"\[WARNING\] qser\.web: refused POST /lti/launch", output), output
    assert [p.name for p in tmp_path.iterdir()] == ["var"]  # in HOME nothing (a control socket) shared with other instances
    assert stat.S_IMODE((tmp_path / "var" / "lti.sqlite3").stat().st_mode) == 0o600  # learner data


def test_tool_under_a_sub_folder(tmp_path, lti_content):
    from dataclasses import replace

    from lti_tool.config import Settings
    from lti_tool.web import create_app

    settings = replace(Settings(var_dir=tmp_path / "var", content_dir=lti_content), base_url="https://tool.example.org/qser/")
    client = create_app(settings, start_worker=False).test_client()
    for path in ("/qser/lti/jwks.json", "/lti/jwks.json"):  # proxy that keeps or strips the folder
        assert client.get(path, base_url="https://tool.example.org").status_code == 200
    page = client.get("/qser/nothing", base_url="https://tool.example.org").get_data(as_text=True)
    assert 'href="/qser/static/course/qser.css"' in page


def test_the_packager_does_not_load_the_tool():
    code = ("import sys; from click.testing import CliRunner; from packager.cli import main; "
            "r = CliRunner().invoke(main, ['--help']); assert 'lti' in r.output; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('lti_tool', 'flask', 'sqlalchemy')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_invite_prints_a_one_time_registration_address(tmp_path, lti_content):
    runner = CliRunner()
    environ = env(tmp_path, lti_content)
    result = runner.invoke(main, ["lti", "invite", "--valid-for", "2", "--note", "Moodle of Patras"], env=environ)
    assert result.exit_code == 0, result.output
    address = result.stdout.strip()
    assert address.startswith("https://tool.example.org/qser/lti/register?invite=") and len(address.split("=", 1)[1]) >= 40
    assert "Add LTI Advantage" in result.stderr
    second = runner.invoke(main, ["lti", "invite"], env=environ).stdout.strip()
    assert second != address  # every invitation is its own
    listing = runner.invoke(main, ["lti", "list"], env=environ).output
    assert "Unused registration invitations: 2" in listing
    assert "Content selection URL:        https://tool.example.org/qser/lti/deep-link" in listing
    assert runner.invoke(main, ["lti", "invite", "--valid-for", "0"], env=environ).exit_code == 2
    from lti_tool.store import connect, invites

    db = connect(f"sqlite:///{tmp_path / 'var' / 'lti.sqlite3'}")
    invites.claim(db, address.split("=", 1)[1])  # usable once
    db.engine.dispose()


def test_serve_advertises_its_own_port_without_a_base_url(tmp_path, lti_content):
    """Without QSER_BASE_URL the tool advertises the port it listens on, says so at start, and a
    Moodle launch aimed at that port gets through the login step (it used to be foreign_target)."""
    port = free_port()
    environ = {**os.environ, **env(tmp_path, lti_content, QSER_BASE_URL="")}
    runner = CliRunner()
    added = runner.invoke(main, ["lti", "add-platform", "--moodle", "https://moodle.example.org/", "--client-id", "abc",
                                 "--deployment", "1"], env=env(tmp_path, lti_content, QSER_BASE_URL=""))
    assert added.exit_code == 0, added.output
    proc = subprocess.Popen([sys.executable, "-m", "packager.cli", "lti", "serve", "--port", str(port), "--dev"],
                            cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(base + "healthz", timeout=1)
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.poll() is not None else "timeout"
                time.sleep(0.2)
        login = requests.get(base + "lti/login", params={"iss": "https://moodle.example.org", "client_id": "abc", "login_hint": "2",
                                                          "target_link_uri": base + "lti/launch"}, allow_redirects=False, timeout=5)
        location = auth_location(login)  # the login page that goes on to the platform
        assert location.startswith("https://moodle.example.org/mod/lti/auth.php?")
        assert f"redirect_uri=http%3A%2F%2F127.0.0.1%3A{port}%2Flti%2Flaunch" in location
        foreign = requests.get(base + "lti/login", params={"iss": "https://moodle.example.org", "client_id": "abc", "login_hint": "2",
                                                            "target_link_uri": "http://127.0.0.1:9001/lti/launch"}, allow_redirects=False, timeout=5)
        assert foreign.status_code == 403  # the old fixed default is not this tool's address
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert f"advertising {base} (derived from --host/--port: QSER_BASE_URL is not set)" in output


def test_configured_base_url_wins_and_is_named(tmp_path, lti_content):
    from lti_tool.cli import _advertised
    from lti_tool.config import derived_base_url, load_settings

    settings = load_settings({"QSER_BASE_URL": "https://tool.example.org/qser"}, listen=("0.0.0.0", 9051))
    assert _advertised(settings) == "advertising https://tool.example.org/qser/ (configured by QSER_BASE_URL)"
    assert load_settings({}, listen=("0.0.0.0", 9051)).base_url == "http://127.0.0.1:9051/"
    assert derived_base_url("::", 9051) == "http://[::1]:9051/" and derived_base_url("tool.lan", 80) == "http://tool.lan:80/"
