"""Fixtures for the LTI tool: one database fixture over SQLite and PostgreSQL, a test course
with a screener, the tool (Flask test client or a real server) and the fake Moodle."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from lti_tool.config import Settings
from lti_tool.web import create_app
from lti_tool.web.services import Services
from tests.support.courses import MINI_COURSE, write
from tests.support.fake_moodle import FakeMoodle
from tests.support.lti_flow import register
from tests.support.postgres import Cluster

SCREENER = {
    "02-cases/index.md": """
        ---
        title: Case studies
        ---
        Good practice from your own service.
        """,
    "02-cases/index.el.md": """
        ---
        title: Μελέτες περίπτωσης
        ---
        Καλές πρακτικές.
        """,
    "02-cases/01-screener.md": """
        ---
        type: screener
        title: Case-study screener
        threshold: 4
        questions:
          - id: recurring
            text: Is this a **recurring** issue within the department?
            help: Think of the last six months.
          - id: recordable
            text: Can the issue be recorded and a written solution be shared?
          - id: other-departments
            text: Is this issue seen in other departments?
          - id: service-change
            text: Would solving it change how the service is provided?
          - id: mutual-benefit
            text: Does it benefit both the staff member and the organisation?
        suitable: |
          This case study is **suitable**. Fill in the summary.
        unsuitable: |
          Please find another case study and answer again.
        summary_fields:
          - id: name
            label: Name
          - id: title
            label: Case study title
          - id: sector
            label: Sector / department
            required: false
            max_length: 100
          - id: background
            label: Problem background
            kind: textarea
            help: What happened, and who was involved.
          - id: source
            label: Source / reference
            kind: textarea
            required: false
        ---
        Think of one situation from your own service.
        """,
    "02-cases/01-screener.el.md": """
        ---
        title: Έλεγχος μελέτης περίπτωσης
        questions:
          - id: recurring
            text: Είναι ένα ζήτημα που επανέρχεται στο τμήμα;
            help: Σκεφτείτε τους τελευταίους έξι μήνες.
          - id: recordable
            text: Μπορεί να καταγραφεί και να μοιραστεί γραπτή λύση;
          - id: other-departments
            text: Εμφανίζεται και σε άλλα τμήματα;
          - id: service-change
            text: Θα άλλαζε η επίλυσή του τον τρόπο εξυπηρέτησης;
          - id: mutual-benefit
            text: Ωφελεί τόσο τον εργαζόμενο όσο και τον οργανισμό;
        suitable: |
          Η μελέτη περίπτωσης είναι **κατάλληλη**.
        unsuitable: |
          Βρείτε άλλη μελέτη περίπτωσης.
        summary_fields:
          - label: Όνομα
          - label: Τίτλος
          - label: Τομέας / τμήμα
          - label: Ιστορικό του προβλήματος
            help: Τι συνέβη.
          - label: Πηγή
        ---
        Σκεφτείτε μια κατάσταση από την υπηρεσία σας.
        """,
}


@pytest.fixture(scope="session")
def lti_content(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lti-course") / "content"
    for rel, text in {**MINI_COURSE, **SCREENER}.items():
        write(root, rel, text)
    return root


# --- databases ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_cluster():
    cluster = Cluster().start()
    yield cluster
    cluster.stop()


_names = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """The same test against SQLite (the default) and a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lti.sqlite3'}"
    cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"t{next(_names)}_{request.node.name[:30].lower()}".replace("[", "_").replace("]", "").replace("-", "_"))


@pytest.fixture
def settings(db_url, tmp_path, lti_content) -> Settings:
    return Settings(
        base_url="http://localhost/", var_dir=tmp_path / "var", content_dir=lti_content, database_url=db_url,
        outbox_inline=False, outbox_backoff_base_seconds=0.01, outbox_backoff_cap_seconds=0.05,
        http_timeout_seconds=2.0, jwks_refetch_seconds=0,
    )


# --- the platform and the tool ------------------------------------------------------------------


@pytest.fixture
def services(settings):
    tool = Services.build(settings)
    yield tool
    tool.close()


@pytest.fixture
def moodle(services):
    """Fake Moodle; it reads our public keys directly (the tool is not on a socket here)."""
    platform = FakeMoodle(services.settings.base_url, tool_jwks=services.keyring.jwks)
    platform.links["7"].custom = {"qser_screener": "cases/screener"}
    platform.start()
    register(services, platform)
    yield platform
    platform.stop()


@pytest.fixture
def app(services, moodle):
    application = create_app(services.settings, services=services, start_worker=False)
    application.testing = True
    return application


@pytest.fixture
def client(app):
    return app.test_client()
