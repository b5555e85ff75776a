"""qser's LTI 1.3 tool: Moodle (or any LTI 1.3 platform) launches the course's case-study
screener here, and grades go back through Assignment and Grade Services.

``create_app`` is the Flask app factory (any WSGI server can call ``lti_tool:create_app()``); it is
imported lazily so ``import lti_tool`` stays cheap for the ``qser`` command line.
"""

from __future__ import annotations


def create_app(settings=None, **kwargs):
    from .web import create_app as factory

    return factory(settings, **kwargs)
