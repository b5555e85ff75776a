"""``qser lti ...``: run the tool and administer platform registrations and keys.

Settings come from ``QSER_*`` environment variables and the optional ``QSER_CONFIG`` TOML
file (see the README, "The LTI tool"); the options here only say what to do.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import click

from packager import lti_contract

from .config import ConfigError, Settings, load_settings

EXIT_CONFIG = 2


def _settings(**listen) -> Settings:
    try:
        return load_settings(**listen)
    except ConfigError as exc:
        click.secho(f"Configuration error: {exc}", fg="red", err=True)
        sys.exit(EXIT_CONFIG)


def _db(settings: Settings, migrate: bool = True):
    from .store import connect, upgrade

    db = connect(settings.db_url)
    if migrate:
        upgrade(db)
    return db


def _tool_secrets(settings: Settings, db):
    """The keyring and state secret from the database, or a clear stop when they cannot be opened."""
    from .lti.keys import KeyEncryptionError
    from .store.tool_keys import open_tool_secrets

    try:
        return open_tool_secrets(db, settings.key_encryption_key, settings.var_dir)
    except KeyEncryptionError as exc:
        click.secho(f"Cannot open the tool's keys: {exc}", fg="red", err=True)
        sys.exit(EXIT_CONFIG)


@click.group("lti")
def lti() -> None:
    """Run and administer the LTI 1.3 screener tool."""


@lti.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", "-p", default=9001, show_default=True, help="Port to listen on.")
@click.option("--workers", "-w", type=int, default=None, help="Worker processes (default: CPUs + 1).")
@click.option("--dev", is_flag=True, help="Flask's development server instead of uWSGI (one process, reloads nothing).")
def serve(host: str, port: int, workers: int | None, dev: bool) -> None:
    """Serve the tool (uWSGI). Migrations and the first key pair are applied before workers start."""
    from .screener import CourseUnavailable, ScreenerCatalog

    settings = _settings(listen=(host, port))
    db = _db(settings)
    _tool_secrets(settings, db)
    db.engine.dispose()
    try:
        catalog = ScreenerCatalog.load(settings.content_dir)
    except CourseUnavailable as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(1)
    click.echo(f"qser LTI tool on http://{host}:{port}/; screeners: {', '.join(catalog.screener_ids) or 'none'}; "
               f"database: {_safe_url(settings.db_url)}")
    click.echo(_advertised(settings))
    if dev:
        from . import create_app
        from .web.security import install_logging

        install_logging(settings.log_level)
        create_app(settings, migrate=False).run(host=host, port=port, threaded=True)
        return
    from .web.server import run

    # the work is CPU-bound (signatures, templates, SQLite), so one process per core plus one
    # to cover the moments a worker waits; more only adds switching (measured with make bench)
    run(settings, catalog, host, port, workers or (os.cpu_count() or 1) + 1)


def _advertised(settings: Settings) -> str:
    """The start-up line that says which address launches and registrations must use, and why."""
    if settings.base_url_source == "derived":
        why = "derived from --host/--port: QSER_BASE_URL is not set"
    else:
        why = f"configured by {settings.base_url_source}"
    return f"advertising {settings.base_url} ({why})"


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@lti.command("add-platform")
@click.option("--issuer", help="The platform's issuer (for Moodle: its wwwroot, e.g. https://moodle.example.org).")
@click.option("--client-id", required=True, help="The client ID the platform gave this tool.")
@click.option("--deployment", "deployments", multiple=True, metavar="ID", help="Deployment ID to accept (repeat; Moodle: the tool's type id).")
@click.option("--moodle", metavar="WWWROOT", help="Moodle site address: fills --issuer and the three Moodle endpoints.")
@click.option("--auth-url", help="OIDC authorization endpoint (Moodle: <wwwroot>/mod/lti/auth.php).")
@click.option("--token-url", help="OAuth2 token endpoint (Moodle: <wwwroot>/mod/lti/token.php).")
@click.option("--jwks-url", help="Platform key set (Moodle: <wwwroot>/mod/lti/certs.php).")
@click.option("--token-audience", default=None, help="aud of our token requests, if the platform wants other than the token URL.")
@click.option("--name", default="", help="A name to recognise the platform by.")
def add_platform(issuer, client_id, deployments, moodle, auth_url, token_url, jwks_url, token_audience, name) -> None:
    """Register a platform (or update it, matched by issuer and client ID) and its deployments."""
    from .store import registry

    if moodle:
        root = moodle.rstrip("/")
        issuer = issuer or root
        auth_url = auth_url or f"{root}/mod/lti/auth.php"
        token_url = token_url or f"{root}/mod/lti/token.php"
        jwks_url = jwks_url or f"{root}/mod/lti/certs.php"
    missing = [opt for opt, value in (("--issuer", issuer), ("--auth-url", auth_url), ("--token-url", token_url), ("--jwks-url", jwks_url)) if not value]
    if missing:
        raise click.UsageError(f"missing {', '.join(missing)} (or give --moodle WWWROOT)")
    for opt, value in (("--issuer", issuer), ("--auth-url", auth_url), ("--token-url", token_url), ("--jwks-url", jwks_url)):
        if not value.startswith(("https://", "http://")):
            raise click.BadParameter(f"{value!r} is not an http(s):// address", param_hint=opt)
    settings = _settings()
    platform_id = registry.save_platform(_db(settings), issuer=issuer, client_id=client_id, auth_login_url=auth_url,
                                     auth_token_url=token_url, jwks_url=jwks_url, name=name, token_audience=token_audience,
                                     deployments=tuple(deployments))
    click.echo(f"Platform {platform_id} saved: {issuer} (client {client_id}); deployments: {', '.join(deployments) or 'none added'}")
    if not deployments:
        click.secho("No deployment yet: launches are refused until you add one with --deployment.", fg="yellow")


@lti.command("list")
def list_platforms() -> None:
    """Show the tool's URLs (for the platform's tool settings) and every registered platform."""
    from .store import registry

    settings = _settings()
    url = lambda path: lti_contract.tool_url(settings.base_url, path)  # noqa: E731
    click.echo("Tool settings for your platform:")
    click.echo(f"  Tool URL / target link URI:   {url(lti_contract.LAUNCH_PATH)}")
    click.echo(f"  Initiate login URL:           {url(lti_contract.LOGIN_PATH)}")
    click.echo(f"  Redirection URI:              {url(lti_contract.LAUNCH_PATH)}")
    click.echo(f"  Public keyset URL:            {url(lti_contract.JWKS_PATH)}")
    click.echo(f"  Content selection URL:        {url(lti_contract.DEEP_LINK_PATH)}  (deep linking)")
    click.echo(f"  Custom parameters:            {lti_contract.CUSTOM_SCREENER}=<screener item id>")
    click.echo("Or let the platform register the tool itself (Moodle: Dynamic Registration): `qser lti invite`.")
    from .store import invites

    db = _db(settings)
    waiting = invites.open_count(db)
    if waiting:
        click.echo(f"Unused registration invitations: {waiting}")
    records = registry.list_platforms(db)
    if not records:
        click.echo("No platform registered yet: use `qser lti add-platform`.")
        return
    for record in records:
        reg = record.registration
        click.echo(f"\n[{reg.id}] {record.name or reg.issuer}")
        click.echo(f"  issuer {reg.issuer}  client_id {reg.client_id}")
        click.echo(f"  auth {reg.auth_login_url}\n  token {reg.auth_token_url}\n  jwks {reg.jwks_url}")
        deps = ", ".join(f"{d}{'' if active else ' (inactive)'}" for d, active in record.deployments) or "none"
        click.echo(f"  deployments: {deps}")


@lti.command()
@click.argument("platform_id", type=int)
@click.option("--deployment", default=None, metavar="ID", help="Remove only this deployment.")
@click.confirmation_option(prompt="Remove? Its launches, attempts, summaries and queued grades go with a platform.")
def remove(platform_id: int, deployment: str | None) -> None:
    """Remove a platform (with everything recorded for it) or one of its deployments."""
    from .store import registry

    db = _db(_settings())
    done = registry.remove_deployment(db, platform_id, deployment) if deployment else registry.remove_platform(db, platform_id)
    if not done:
        click.secho(f"Nothing removed: no platform {platform_id}" + (f" with deployment {deployment}" if deployment else ""), fg="red", err=True)
        sys.exit(1)
    click.echo("Removed.")


@lti.command("rotate-keys")
@click.option("--overlap", type=int, default=None, metavar="SECONDS", help="How long the old key stays published (default: key_overlap_seconds, 1 day).")
def rotate_keys(overlap: int | None) -> None:
    """Start signing with a new key pair; the old public key stays published for the overlap.

    Every node sees the new key at once (the keys are in the database)."""
    settings = _settings()
    keyring, _ = _tool_secrets(settings, _db(settings))
    overlap = settings.key_overlap_seconds if overlap is None else overlap
    key = keyring.rotate(overlap)
    click.echo(f"New signing key {key.kid}; {len(keyring.jwks()['keys'])} key(s) published; old keys retire in {overlap} s.")


@lti.command()
@click.option("--valid-for", "hours", type=click.IntRange(1, 24 * 90), default=72, show_default=True, metavar="HOURS",
              help="How long the invitation can be used.")
@click.option("--note", default="", help="What the invitation is for (e.g. the platform's name), kept with it.")
def invite(hours: int, note: str) -> None:
    """Create a one-time Dynamic Registration address for a platform's administrator.

    In Moodle: Site administration > Plugins > Activity modules > External tool > Manage
    tools: paste the address as "Tool URL", choose "Add LTI Advantage", then activate the
    new tool, which Moodle lists as pending."""
    from .store import invites

    settings = _settings()
    created = invites.create(_db(settings), hours * 3600, note[:200])
    address = lti_contract.tool_url(settings.base_url, lti_contract.REGISTER_PATH) + "?invite=" + created.token
    click.echo(address)
    click.echo(f"One-time registration address, valid until {created.expires_at:%Y-%m-%d %H:%M} UTC. "
               "Paste it as the Tool URL in the platform (Moodle: Manage tools, Add LTI Advantage), then activate the tool there.",
               err=True)


@lti.command()
def migrate() -> None:
    """Apply database migrations and import the keys and secret of a var folder (serve does this too).

    Keys of a var folder from before the database held them keep their kid, so platforms keep
    verifying the tool's signatures: nobody re-registers."""
    from .store.migrate import current_revision
    from .store.tool_keys import import_var_folder
    from .lti.keys import KeyEncryptionError, KeySeal

    settings = _settings()
    db = _db(settings)
    try:
        keys, secret = import_var_folder(db, settings.var_dir, KeySeal(settings.key_encryption_key))
    except KeyEncryptionError as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(EXIT_CONFIG)
    keyring, _ = _tool_secrets(settings, db)
    click.echo(f"Database {_safe_url(settings.db_url)} at revision {current_revision(db)}.")
    if keys or secret:
        click.echo(f"Imported from {settings.var_dir}: {keys} key(s), {'the' if secret else 'no'} state secret. "
                   "The files there are no longer read; keep a backup, then remove them.")
    sealed = "encrypted" if keyring.seal.active else "NOT encrypted (set key_encryption_key)"
    click.echo(f"Tool keys in the database ({sealed}): {', '.join(k.kid for k in keyring.keys())}")


@lti.command("new-encryption-key")
def new_encryption_key() -> None:
    """Print a new key for key_encryption_key (QSER_KEY_ENCRYPTION_KEY); store it outside the database backups."""
    from cryptography.fernet import Fernet

    click.echo(Fernet.generate_key().decode())


@lti.command()
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--concurrency", type=int, default=8, show_default=True, help="Scores sent in parallel.")
def worker(once: bool, concurrency: int) -> None:
    """Deliver queued grades. Run any number on PostgreSQL; on SQLite the web process has one."""
    import signal

    from .outbox import OutboxWorker
    from .web.security import install_logging

    settings = _settings()
    install_logging(settings.log_level)
    db = _db(settings)
    keyring, _ = _tool_secrets(settings, db)
    job = OutboxWorker(db, settings, keyring, concurrency=concurrency)
    if once:
        total = 0
        while handled := job.run_once():
            total += handled
        click.echo(f"{total} score(s) handled.")
        job.close()
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo("Outbox worker running; Ctrl-C to stop.")
    job.run_forever(stop)
    job.close()


@click.command("harvest")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=Path("content/case-studies"),
              show_default=True, help="Section folder to write, inside the course folder (next to course.md).")
@click.option("--issuer", default=None, metavar="URL", help="Only case studies from this platform (its issuer, e.g. the Moodle address).")
@click.option("--update", is_flag=True, help="Rewrite pages harvested before (otherwise they are kept, with any edits).")
def harvest(out: Path, issuer: str | None, update: bool) -> None:
    """Export the approved case studies of the LTI tool's database as course pages.

    Each becomes an item of the section folder OUT (written with its index.md when missing),
    in the language it was written in, credited as its author chose, personal data removed.
    The next `qser build` includes them."""
    from . import harvest as harvesting
    from .screener import CourseUnavailable, ScreenerCatalog
    from .store import library

    settings = _settings()
    db = _db(settings)
    try:
        catalog = ScreenerCatalog.load(settings.content_dir)
    except CourseUnavailable as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(1)

    def labels(case) -> dict[str, str]:
        if not catalog.has(case.screener_id):
            return {}
        lang = case.lang if case.lang in catalog.course.languages else catalog.course.default_language
        return {f.id: f.label for f in catalog.page(case.screener_id, lang).rendered.fields}

    cases = library.approved(db, issuer)
    try:
        report = harvesting.harvest(cases, out, labels, update=update, withdrawn_ids=library.not_approved_ids(db))
    except harvesting.HarvestError as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(1)
    for path in report.written:
        click.echo(f"  wrote {path}")
    for path in report.kept:
        click.echo(f"  kept  {path} (exists; --update rewrites it)")
    for path in report.withdrawn:
        click.secho(f"  {path}: its case study is no longer approved; delete the file if it should go", fg="yellow", err=True)
    click.echo(f"{len(cases)} approved case stud{'y' if len(cases) == 1 else 'ies'}; {len(report.written)} file(s) written in {out}/")
