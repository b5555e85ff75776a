"""Acceptance checks against a real Moodle (``make acceptance``); never part of ``make test``."""
