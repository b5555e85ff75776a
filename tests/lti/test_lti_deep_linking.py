"""Deep linking: a teacher adds the screener from Moodle's activity form. Every response the
picker offers is checked by lti1p3platform's ``validate_deeplinking_resp`` (signature with
our published key, message type, content types Moodle accepts) and by Moodle's own rules in
the fake platform (``iss`` = client id, ``aud`` = issuer, deployment, ``data`` echoed)."""

from __future__ import annotations

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from lti_tool.store import tables as T
from packager import lti_contract
from tests.support.fake_moodle_lti1p3 import ADMIN_ROLES, LEARNER, User
from tests.support.lti_flow import deep_link_launch, hidden, picker_forms


def launches(services) -> int:
    with services.db.read() as conn:
        return conn.execute(select(func.count()).select_from(T.launch)).scalar_one()


def test_every_choice_is_a_valid_signed_response(client, moodle, services):
    picker = deep_link_launch(client, moodle)
    html = picker.get_data(as_text=True)
    assert picker.status_code == 200, html
    assert "<h1>Add the case-study screener</h1>" in html and "<script" not in html
    forms = picker_forms(html)
    assert len(forms) == 4  # learner's language, English, Greek, cancel
    rules = {"qser_rules": lti_contract.rules_fingerprint(services.catalog.page("cases/screener", "en").model)}  # the rules linked
    expected = [({"qser_screener": "cases/screener", **rules}, "Case-study screener"),
                ({"qser_screener": "cases/screener", "qser_lang": "en", **rules}, "Case-study screener"),
                ({"qser_screener": "cases/screener", "qser_lang": "el", **rules}, "Έλεγχος καταλληλότητας μελέτης περίπτωσης")]
    nonces = set()
    for (action, token, _), (custom, title) in zip(forms, expected):
        assert action == moodle.deep_link_return_url
        resp = requests.post(action, data={"JWT": token}, timeout=10)
        assert resp.status_code == 200, moodle.dl_refusals
        claims = moodle.dl_returns[-1].claims
        assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
        assert (claims["iss"], claims["aud"]) == (moodle.client_id, moodle.issuer)
        assert claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == moodle.deployment_id
        assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == moodle.dl_data
        assert claims["exp"] - claims["iat"] == 900
        nonces.add(claims["nonce"])
        [item] = moodle.dl_returns[-1].items
        assert item == {"type": "ltiResourceLink", "title": title, "url": "http://localhost/lti/launch", "custom": custom,
                        "lineItem": {"scoreMaximum": 5, "label": title, "resourceId": "cases/screener", "tag": "qser-screener"}}
        link = moodle.links[moodle.dl_returns[-1].links[0]]
        assert (link.grades, link.score_maximum, link.label) == (True, 5, title)  # Moodle creates the grade column
    assert len(nonces) == 3
    cancel = requests.post(forms[3][0], data={"JWT": forms[3][1]}, timeout=10)
    assert cancel.status_code == 200 and moodle.dl_returns[-1].items == []


def test_the_platform_double_refuses_what_moodle_refuses(client, moodle, services):
    """A forged or altered response never creates an activity: the checks are real."""
    _, token, _ = picker_forms(deep_link_launch(client, moodle).get_data(as_text=True))[1]
    claims = jwt.decode(token, options={"verify_signature": False})
    header = jwt.get_unverified_header(token)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": header["kid"]})
    own = services.keyring.sign
    for bad in (forged, own({**claims, "iss": moodle.issuer}), own({**claims, "aud": "https://other.example"}),
                own({**claims, "https://purl.imsglobal.org/spec/lti-dl/claim/data": "other"}),
                own({**claims, "https://purl.imsglobal.org/spec/lti-dl/claim/content_items": [{"type": "html", "html": "<p>x</p>"}]})):
        assert requests.post(moodle.deep_link_return_url, data={"JWT": bad}, timeout=10).status_code == 400
    assert moodle.dl_returns == [] and len(moodle.dl_refusals) == 5


def test_only_staff_may_add_activities(client, moodle, services):
    before = launches(services)
    refused = deep_link_launch(client, moodle, user="101")  # a learner
    assert refused.status_code == 403 and "staff_only" in refused.get_data(as_text=True)
    assert launches(services) == before
    moodle.users["301"] = User("301", "Ada Admin", list(ADMIN_ROLES), gradable=False)  # Moodle site administrator
    assert deep_link_launch(client, moodle, user="301").status_code == 200
    moodle.users["302"] = User("302", "Lea Learner-Admin?", [LEARNER, "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"])
    assert deep_link_launch(client, moodle, user="302").status_code == 403


def test_platform_that_takes_no_resource_links_gets_a_clear_refusal(client, moodle):
    moodle.dl_accept_types = ("link", "html")
    resp = deep_link_launch(client, moodle)
    assert resp.status_code == 400 and "deep_link_unsupported" in resp.get_data(as_text=True)


def test_picker_carries_no_session_and_follows_the_locale(client, moodle):
    html = deep_link_launch(client, moodle).get_data(as_text=True)
    assert hidden(html, "launch") == ""  # nothing to post back to the tool: the forms go to Moodle
    moodle.dl_locale = "el-GR"
    page = deep_link_launch(client, moodle).get_data(as_text=True)
    assert '<html lang="el">' in page and "Ελληνικά" in page and 'lang="en">English' in page
