"""What a screen reader announces for the deep-linking picker's buttons, computed by Chromium:
one whole sentence written for the language (placeholders, not "Add in" + a label), which
contains the visible label (WCAG 2.5.3, label in name). Every catalog language is checked
without a browser in tests/test_i18n_sentences.py."""

from __future__ import annotations

import re

import pytest

from packager import i18n

from tests.support.lti_flow import deep_link_launch

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("locale", ["el-GR", "en-GB"])  # the test course is in English and Greek
def test_each_button_is_one_sentence_of_its_language(chromium, client, moodle, locale):
    lang = locale[:2]
    moodle.dl_locale = locale
    html = deep_link_launch(client, moodle).get_data(as_text=True)
    t = i18n.translator(lang)
    sentences = [t.lti_dl_add_learner_language, *(t("lti_dl_add_in", language=i18n.language_name(code)) for code in ("en", "el"))]
    page = chromium.new_page()
    try:
        page.set_content(html)
        names = [button.evaluate("b => b.textContent") for button in page.get_by_role("button").all()]
        for sentence in sentences:
            # Chromium's accessible name; case aside (the visible label starts with a capital).
            found = page.get_by_role("button", name=re.compile(f"^{re.escape(sentence)}$", re.IGNORECASE))
            assert found.count() == 1, (sentence, names)
        assert page.get_by_role("button", name=t.lti_dl_cancel, exact=True).count() == 1
    finally:
        page.close()
