"""Adding the screener to a course (deep linking): the teacher picks a screener and the
language it runs in; each choice is a form that posts its own signed response straight
back to the platform, so one click adds the activity and no script is needed."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import make_response, render_template

from packager import i18n, lti_contract
from packager.i18n import translator as page_text

from ..lti.deep_linking import ResourceLink, response_jwt
from ..store.launches import LaunchRecord
from .security import allow_for_this_response
from .services import tool


@dataclass(frozen=True)
class Choice:
    label: str
    label_lang: str | None  # a language's own name is marked with its language
    jwt: str
    spoken_before: str  # the rest of the button's whole sentence, for screen readers only
    spoken_after: str


@dataclass(frozen=True)
class ScreenerChoices:
    item_id: str
    title: str
    title_lang: str
    summary: str
    questions: int
    choices: tuple[Choice, ...]


def render_picker(launch: LaunchRecord):
    t = tool()
    registration = t.registration(launch.platform_id)
    settings = launch.deep_linking
    strings = page_text(launch.lang)
    course = t.catalog.course

    def sign(links: list[ResourceLink]) -> str:
        return response_jwt(t.keyring, registration, launch.deployment_id, settings, links)

    screeners = []
    for item_id in t.catalog.screener_ids:
        shown = t.catalog.page(item_id, launch.lang)
        choices = []
        for lang in (None, *course.languages):
            page = t.catalog.page(item_id, lang or course.default_language)
            link = ResourceLink(
                title=page.title, url=t.launch_url, custom=lti_contract.custom_parameters(item_id, lang, page.model),
                resource_id=item_id, score_maximum=page.model.max_score,
                text=course.item(item_id).text(lang or course.default_language).summary,
            )
            if lang:
                label = i18n.language_name(lang)
                sentence = strings("lti_dl_add_in", language=label)
            else:
                label, sentence = strings.lti_dl_learner_language, strings.lti_dl_add_learner_language
            before, after = i18n.around(sentence, label)
            choices.append(Choice(label, lang if lang and lang != launch.lang else None, sign([link]), before, after))
        screeners.append(ScreenerChoices(item_id, shown.title, shown.content_lang, course.item(item_id).text(launch.lang).summary,
                                         shown.model.max_score, tuple(choices)))
    return_origin = "{0.scheme}://{0.netloc}".format(urlsplit(settings.return_url))
    allow_for_this_response(form_targets=(return_origin,))
    html = render_template("deep_link.html", t=strings, lang=launch.lang, launch=launch, screeners=screeners,
                           return_url=settings.return_url, cancel_jwt=sign([]))
    return make_response(html)
