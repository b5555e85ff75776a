"""``moodle_backup.xml`` (what restore reads first) and ``.ARCHIVE_INDEX``.

Restore reads the version stamps, the list of sections and activities, and the settings
from ``moodle_backup.xml``; every section and activity needs its ``_included`` and
``_userinfo`` setting. A generated course carries no user data, so every user-related
setting is off; the other root settings are on, as in a backup Moodle makes, and the files
they ask for are all present.
"""

from __future__ import annotations

import hashlib

from .build import Build
from .course import fullname, section_title, shortname
from .plan import COURSE_CONTEXT, COURSE_ID, SYSTEM_CONTEXT
from .xml import document, flat, leaves, node

ROOT_SETTINGS = (
    ("imscc11", 0),
    ("users", 0),
    ("anonymize", 0),
    ("role_assignments", 0),
    ("activities", 1),
    ("blocks", 1),
    ("files", 1),
    ("filters", 1),
    ("comments", 1),
    ("badges", 1),
    ("calendarevents", 1),
    ("userscompletion", 0),
    ("logs", 0),
    ("grade_histories", 0),
    ("questionbank", 1),
    ("groups", 1),
    ("competencies", 1),
    ("customfield", 1),
    ("contentbankcontent", 1),
    ("xapistate", 1),
    ("legacyfiles", 1),
)
BACKUP_MODE = 10  # backup::MODE_GENERAL
ARCHIVE_INDEX = ".ARCHIVE_INDEX"
UNKNOWN_TIME = 1356998400  # tgz_packer::DEFAULT_TIMESTAMP, the time of entries without one


def identity(build: Build, filename: str) -> str:
    """A stable 32-hex id for this backup (Moodle uses a random one)."""
    return hashlib.md5(f"qser:{build.shortname}:{build.course.version}:{filename}".encode()).hexdigest()


def moodle_backup(build: Build, filename: str, titles: dict[int, str]) -> bytes:
    """``titles``: activity names by course-module id, as written in their ``<mod>.xml``."""
    stamp, plan = build.stamp, build.plan
    # the long lists are written directly as strings, at their depth (moodle_backup >
    # information > contents > activities > activity; information > settings > setting)
    activities = [
        flat(
            "activity",
            {
                "moduleid": module.cmid,
                "sectionid": module.section_id,
                "modulename": module.modname,
                "title": titles[module.cmid],
                "directory": module.directory,
                "insubsection": "",
            },
            4,
        )
        for module in plan.modules
    ]
    sections = [
        node(
            "section",
            leaves(
                {
                    "sectionid": section.id,
                    "title": section_title(build, section) or str(section.number),
                    "directory": section.directory,
                    "parentcmid": "",
                    "modname": "",
                }
            ),
        )
        for section in plan.sections
    ]
    settings = [node("setting", leaves({"level": "root", "name": "filename", "value": filename}))]
    settings += [
        node("setting", leaves({"level": "root", "name": name, "value": value}))
        for name, value in ROOT_SETTINGS
        if not (name == "questionbank" and stamp.banks_in_modules)  # 5.0 dropped the course bank setting
    ]
    for section in plan.sections:
        settings += _scoped("section", section.key)
        for module in section.modules:
            settings += _scoped("activity", module.key)
    information = node(
        "information",
        leaves(
            {
                "name": filename,
                "moodle_version": stamp.moodle_version,
                "moodle_release": stamp.moodle_release,
                "backup_version": stamp.backup_version,
                "backup_release": stamp.backup_release,
                "backup_date": build.timestamp,
                "mnet_remoteusers": 0,
                "include_files": 1,
                "include_file_references_to_external_content": 0,
                "original_wwwroot": "https://qser.invalid",  # no Moodle site wrote this backup
                "original_site_identifier_hash": hashlib.md5(b"qser").hexdigest(),
                "original_course_id": COURSE_ID,
                "original_course_format": "topics",
                "original_course_fullname": fullname(build),
                "original_course_shortname": shortname(build),
                "original_course_startdate": 0,
                "original_course_enddate": 0,
                "original_course_contextid": COURSE_CONTEXT,
                "original_system_contextid": SYSTEM_CONTEXT,
            }
        ),
        node(
            "details",
            node(
                "detail",
                leaves(
                    {
                        "type": "course",
                        "format": "moodle2",
                        "interactive": 1,
                        "mode": BACKUP_MODE,
                        "execution": 1,
                        "executiontime": 0,
                    }
                ),
                backup_id=identity(build, filename),
            ),
        ),
        node(
            "contents",
            node("activities", activities),
            node("sections", sections),
            node("course", leaves({"courseid": COURSE_ID, "title": shortname(build), "directory": "course"})),
        ),
        node("settings", settings),
    )
    return document(node("moodle_backup", information))


def _scoped(level: str, key: str) -> list:
    return [
        flat("setting", {"level": level, level: key, "name": f"{key}_{suffix}", "value": 1 if suffix == "included" else 0}, 3)
        for suffix in ("included", "userinfo")
    ]


def archive_index(entries: dict[str, bytes], timestamp: int) -> bytes:
    """Moodle's tar index (``tgz_packer``): every directory and file with its size and time.

    Restore lists an archive from this file alone when it is present, so it must describe
    exactly the entries :func:`packager.archive.tgz_bytes` writes with ``directories=True``.
    """
    found: set[str] = set()
    for name in entries:
        end = name.rfind("/")
        while end > 0 and name[:end + 1] not in found:  # a folder seen before: its parents were too
            found.add(name[:end + 1])
            end = name.rfind("/", 0, end)
    folders = sorted(found)
    lines = [f"{folder}\td\t0\t?" for folder in folders]
    lines += [f"{name}\tf\t{len(data)}\t{timestamp}" for name, data in sorted(entries.items())]
    return (f"Moodle archive file index. Count: {len(lines)}\n" + "".join(line + "\n" for line in lines)).encode("ascii")
