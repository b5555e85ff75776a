"""Who may see the instructor view: decided only by the roles claim of a signed launch.

Context roles (LIS v2 ``membership``) Instructor, ContentDeveloper and Administrator, their
sub-roles (``membership/Instructor#TeachingAssistant``), and the institution and system
Administrator roles Moodle gives site administrators. Learner never counts, whatever else
the claim holds; custom parameters never count at all.
"""

from __future__ import annotations

from collections.abc import Iterable

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LEARNER = LIS + "membership#Learner"
_CONTEXT_STAFF = ("Instructor", "ContentDeveloper", "Administrator")
STAFF = frozenset(
    [LIS + f"membership#{name}" for name in _CONTEXT_STAFF]
    + [LIS + "institution/person#Administrator", LIS + "system/person#Administrator"]
)
_STAFF_SUB_ROLES = tuple(LIS + f"membership/{name}#" for name in _CONTEXT_STAFF)


def is_staff(roles: Iterable[str]) -> bool:
    return any(role in STAFF or role.startswith(_STAFF_SUB_ROLES) for role in roles)


def is_learner(roles: Iterable[str]) -> bool:
    return any(role == LEARNER or role.startswith(LIS + "membership/Learner#") for role in roles)
