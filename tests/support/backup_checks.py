"""Structure checks for a Moodle backup, against the real Moodle 4.5 backup in
``tests/moodle-reference/REF101`` and against ports of the few lines of Moodle's own code
that decide whether a backup is readable (tar reader, format detection, link decoder,
multi-language filter). Used on every archive the tests build.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import tarfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

REFERENCE = Path(__file__).resolve().parent.parent / "moodle-reference" / "REF101"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
NULL = "$@NULL@$"
EMPTY_SHA1 = hashlib.sha1(b"").hexdigest()

# Files Moodle writes that a generated course leaves out on purpose.
OMITTED = {
    "moodle_backup.log",  # a log of the backup run
    "course/enrolments.xml",  # without it, restore adds the site's default enrolment methods
}
# Moodle's restore link decoder: encoded link name -> the mapping it needs (restore_*_task.class.php).
DECODE_RULES = {
    "COURSEVIEWBYID": "course",
    **{f"{mod.upper()}VIEWBYID": "course_module" for mod in ("page", "url", "resource", "lti", "quiz", "scorm")},
}


# --- Moodle's own logic, ported ---------------------------------------------------------


def tgz_members(data: bytes) -> list[tuple[str, str, int]]:
    """``lib/filestorage/tgz_extractor.php::process_header`` over every header: (path, type, size).

    Moodle reads the ustar ``prefix`` and ``name`` fields, requires the ustar magic, and
    treats any type flag it does not know (PAX ``x``/``g``, GNU ``L``) as a plain file.
    """
    raw = gzip.decompress(data)
    out = []
    offset = 0
    while offset + 512 <= len(raw):
        block = raw[offset : offset + 512]
        offset += 512
        if block == b"\0" * 512:
            continue
        name = block[0:100].rstrip(b"\0").decode("ascii")
        size = int(block[124:135], 8)
        typeflag = block[156:157].decode("ascii")
        magic = block[257:263]
        assert magic in (b"ustar\0", b"ustar "), f"{name}: header without ustar magic"
        prefix = block[345:500].rstrip(b"\0").decode("ascii")
        path = f"{prefix}/{name}".lstrip("/")
        out.append((path, typeflag, size))
        offset += (size + 511) // 512 * 512
    return out


def detect_moodle2_format(manifest: bytes) -> bool:
    """``backup/util/helper/convert_helper.class.php::detect_moodle2_format``."""
    first = manifest[:200]
    return DECLARATION in first and b"<moodle_backup>" in first and b"<information>" in first


_MULTILANG = re.compile(
    r'(<span(\s+lang="[a-zA-Z0-9_-]+"|\s+class="multilang"){2}\s*>.*?</span>)(\s*<span(\s+lang="[a-zA-Z0-9_-]+"|\s+class="multilang"){2}\s*>.*?</span>)+',
    re.IGNORECASE | re.DOTALL,
)
_MULTILANG_SPLIT = re.compile(r'<(?:lang|span)[^>]+lang="([a-zA-Z0-9_-]+)"[^>]*>(.*?)</(?:lang|span)>', re.IGNORECASE | re.DOTALL)


def multilang_filter(text: str, current: str) -> str:
    """``filter/multilang/classes/text_filter.php`` (new syntax) for a reader in ``current``."""

    def pick(match: re.Match) -> str:
        versions = {lang.lower().replace("-", "_"): inner for lang, inner in _MULTILANG_SPLIT.findall(match.group(0))}
        if not versions:
            return match.group(0)
        return versions.get(current, next(iter(versions.values())))

    return _MULTILANG.sub(pick, text)


# --- an unpacked backup -------------------------------------------------------------------


@dataclass
class Backup:
    data: bytes
    files: dict[str, bytes]

    @classmethod
    def read(cls, path: Path) -> Backup:
        data = path.read_bytes()
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
        return cls(data, files)

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.files[name])

    def text(self, name: str, path: str) -> str:
        return self.xml(name).findtext(path)

    @property
    def manifest(self) -> etree._Element:
        return self.xml("moodle_backup.xml")

    def activities(self) -> list[dict]:
        return [
            {child.tag: child.text or "" for child in activity}
            for activity in self.manifest.iterfind("information/contents/activities/activity")
        ]

    def sections(self) -> list[dict]:
        return [
            {child.tag: child.text or "" for child in section}
            for section in self.manifest.iterfind("information/contents/sections/section")
        ]

    def activity(self, modname: str, index: int = 0) -> tuple[str, etree._Element]:
        """(directory, ``<mod>.xml`` root) of the ``index``-th activity of that module."""
        directory = [a["directory"] for a in self.activities() if a["modulename"] == modname][index]
        return directory, self.xml(f"{directory}/{modname}.xml")


def reference() -> Backup:
    files = {str(p.relative_to(REFERENCE)): p.read_bytes() for p in REFERENCE.rglob("*") if p.is_file()}
    return Backup(b"", files)


# --- checks ---------------------------------------------------------------------------------


def _shape(element: etree._Element, path: str = "") -> set[str]:
    """Element paths of a tree (``/activity/page/name``), repeated siblings counted once."""
    here = f"{path}/{element.tag}"
    paths = {here}
    for child in element:
        paths |= _shape(child, here)
    return paths


def _normalise(name: str) -> str:
    """A path with the module folder number dropped: ``activities/page_2/x`` -> ``activities/page/x``."""
    return re.sub(r"^(activities/[a-z]+)_\d+/", r"\1/", re.sub(r"^sections/section_\d+/", "sections/section/", name))


def check_all(backup: Backup) -> None:
    """Every structural rule at once; each helper raises an AssertionError naming the problem."""
    check_archive(backup)
    check_xml(backup)
    check_against_reference(backup)
    check_ids(backup)
    check_files(backup)
    check_grades(backup)
    check_questions(backup)
    check_links(backup)
    check_lengths(backup)


def check_archive(backup: Backup) -> None:
    assert backup.data[:2] == b"\x1f\x8b", "not gzip"
    members = tgz_members(backup.data)
    assert {t for _, t, _ in members} <= {"0", "5"}, f"type flags other than file/directory: {Counter(t for _, t, _ in members)}"
    names = [name for name, _, _ in members]
    assert all(name.isascii() for name in names)
    assert len(names) == len(set(names)), "duplicate archive entries"
    assert names[0] == ".ARCHIVE_INDEX" and names[1] == "moodle_backup.xml"
    regular = {name for name, t, _ in members if t == "0"}
    assert regular == set(backup.files), "Moodle's tar reader and Python's disagree"
    with tarfile.open(fileobj=io.BytesIO(backup.data), mode="r:gz") as tar:
        for member in tar.getmembers():
            assert not member.pax_headers, f"{member.name}: PAX header"
            assert member.uid == member.gid == 0 and member.uname == member.gname == ""
    # .ARCHIVE_INDEX lists exactly the other entries (tgz_packer::archive_to_pathname)
    index = backup.files[".ARCHIVE_INDEX"].decode("ascii").splitlines()
    header = re.fullmatch(r"Moodle archive file index\. Count: (\d+)", index[0])
    assert header and int(header.group(1)) == len(index) - 1
    listed = {}
    for line in index[1:]:
        path, kind, size, mtime = line.split("\t")
        listed[path] = (kind, int(size))
    actual = {name + ("/" if t == "5" and not name.endswith("/") else ""): ("d" if t == "5" else "f", size)
              for name, t, size in members if name != ".ARCHIVE_INDEX"}
    assert listed == actual


def check_xml(backup: Backup) -> None:
    assert detect_moodle2_format(backup.files["moodle_backup.xml"])
    for name, data in backup.files.items():
        if name.endswith(".xml"):
            assert data.split(b"\n", 1)[0] == DECLARATION, f"{name}: first line is not the exact declaration"
            assert not data.endswith(b"\n"), f"{name}: Moodle writes no final newline"
            etree.fromstring(data)  # well-formed


def check_against_reference(backup: Backup) -> None:
    ref = reference()
    ref_by_kind: dict[str, set[str]] = {}
    for name in ref.files:
        ref_by_kind.setdefault(_normalise(name), set()).add(name)
    ours = {_normalise(name) for name in backup.files if not name.startswith("files/")}
    theirs = {_normalise(name) for name in ref.files if not name.startswith("files/")}
    # root, course and section files: all of Moodle's except the deliberate omissions
    for name in theirs:
        if not name.startswith("activities/") and name not in OMITTED:
            assert name in ours, f"Moodle writes {name}, the backup lacks it"
    # every activity folder has exactly the files Moodle writes for that module
    reference_activity = {_normalise(n).split("/")[2] for n in ref.files if n.startswith("activities/page_")}
    for activity in backup.activities():
        directory, modname = activity["directory"], activity["modulename"]
        present = {name.split("/")[2] for name in backup.files if name.startswith(directory + "/")}
        expected = (reference_activity - {"page.xml"}) | {f"{modname}.xml"}
        assert present == expected, f"{directory}: {sorted(present ^ expected)}"
    # same root elements, attributes and element paths as Moodle's file of the same kind
    for name, data in backup.files.items():
        if not name.endswith(".xml"):
            continue
        ref_name = _reference_counterpart(name, ref)
        if ref_name is None:
            continue
        mine, theirs_root = etree.fromstring(data), ref.xml(ref_name)
        assert mine.tag == theirs_root.tag, f"{name}: root <{mine.tag}>, Moodle writes <{theirs_root.tag}>"
        assert set(mine.attrib) == set(theirs_root.attrib), f"{name}: root attributes {sorted(mine.attrib)}"
        shapes = _shape(theirs_root)
        if name.endswith("inforef.xml"):  # REF101 shows each kind of reference in some inforef.xml
            shapes = set().union(*(_shape(ref.xml(n)) for n in ref.files if n.endswith("inforef.xml")))
        extra = _shape(mine) - shapes
        assert not extra, f"{name}: elements Moodle does not write: {sorted(extra)}"
        _check_order(mine, theirs_root, name)


def _reference_counterpart(name: str, ref: Backup) -> str | None:
    normal = _normalise(name)
    for candidate in ref.files:
        if _normalise(candidate) == normal:
            return candidate
    return None


def _check_order(mine: etree._Element, theirs: etree._Element, name: str) -> None:
    """Children appear in Moodle's order (restore reads by path, people and diffs by order)."""
    order = [child.tag for child in theirs]
    position = {tag: i for i, tag in enumerate(order)}
    seen = [position[child.tag] for child in mine if child.tag in position]
    assert seen == sorted(seen), f"{name}: <{mine.tag}> children out of Moodle's order"
    by_tag = {child.tag: child for child in theirs}
    for child in mine:
        if child.tag in by_tag and len(by_tag[child.tag]):
            _check_order(child, by_tag[child.tag], name)


def check_ids(backup: Backup) -> None:
    manifest = backup.manifest
    info = manifest.find("information")
    for field in ("moodle_version", "moodle_release", "backup_version", "backup_release", "backup_date", "original_course_id",
                  "original_course_contextid", "original_system_contextid", "original_site_identifier_hash"):
        assert (info.findtext(field) or "").strip(), f"moodle_backup.xml lacks {field}"
    assert re.fullmatch(r"\d+\.\d+", info.findtext("backup_release"))
    settings = {s.findtext("name"): s.findtext("value") for s in info.iterfind("settings/setting")}
    course = backup.xml("course/course.xml")
    contexts = [int(course.get("contextid"))]
    sections = backup.sections()
    activities = backup.activities()
    cmids = [int(a["moduleid"]) for a in activities]
    assert len(cmids) == len(set(cmids))
    section_of = {}
    numbers = []
    for section in sections:
        sid = section["sectionid"]
        assert section["directory"] == f"sections/section_{sid}"
        assert settings[f"section_{sid}_included"] == "1" and f"section_{sid}_userinfo" in settings
        xml = backup.xml(f"{section['directory']}/section.xml")
        assert xml.get("id") == sid
        numbers.append(int(xml.findtext("number")))
        sequence = [int(c) for c in (xml.findtext("sequence") or "").split(",") if c]
        expected = [int(a["moduleid"]) for a in activities if a["sectionid"] == sid]
        assert sequence == expected, f"section {sid}: sequence {sequence}, activities {expected}"
        for cmid in sequence:
            section_of[cmid] = (sid, xml.findtext("number"))
    assert numbers == list(range(len(numbers))), "section numbers must run 0, 1, 2 ..."
    assert sorted(section_of) == sorted(cmids), "every activity sits in exactly one section"
    for activity in activities:
        cmid, modname, directory = int(activity["moduleid"]), activity["modulename"], activity["directory"]
        assert directory == f"activities/{modname}_{cmid}"
        key = f"{modname}_{cmid}"
        assert settings[f"{key}_included"] == "1" and f"{key}_userinfo" in settings
        module = backup.xml(f"{directory}/module.xml")
        assert int(module.get("id")) == cmid and module.findtext("modulename") == modname
        assert (module.findtext("sectionid"), module.findtext("sectionnumber")) == section_of[cmid]
        assert int(module.get("version")) >= 2022020300
        instance = backup.xml(f"{directory}/{modname}.xml")
        assert int(instance.get("moduleid")) == cmid and instance.get("modulename") == modname
        assert instance[0].tag == modname and instance[0].get("id") == instance.get("id")
        contexts.append(int(instance.get("contextid")))
    assert len(contexts) == len(set(contexts)), f"context ids not unique: {contexts}"
    assert int(info.findtext("original_course_contextid")) == contexts[0]


def _inforefs(backup: Backup) -> dict[str, etree._Element]:
    return {name: backup.xml(name) for name in backup.files if name.endswith("inforef.xml")}


def check_files(backup: Backup) -> None:
    files = backup.xml("files.xml")
    records = {}
    for record in files.iterfind("file"):
        fid = int(record.get("id"))
        assert fid not in records
        records[fid] = record
        sha = record.findtext("contenthash")
        if record.findtext("filename") == ".":
            assert sha == EMPTY_SHA1 and record.findtext("filesize") == "0"
            continue
        blob = backup.files.get(f"files/{sha[:2]}/{sha}")
        assert blob is not None, f"file {fid}: no blob files/{sha[:2]}/{sha}"
        assert hashlib.sha1(blob).hexdigest() == sha, f"file {fid}: contenthash is not the SHA-1 of its blob"
        assert int(record.findtext("filesize")) == len(blob)
    blobs = {name.split("/")[-1] for name in backup.files if name.startswith("files/")}
    assert blobs == {r.findtext("contenthash") for r in records.values() if r.findtext("filename") != "."}, "orphan blobs"
    referenced = Counter()
    for name, inforef in _inforefs(backup).items():
        for fid in inforef.iterfind("fileref/file/id"):
            referenced[int(fid.text)] += 1
            assert int(fid.text) in records, f"{name}: file {fid.text} not in files.xml"
    for fid, record in records.items():
        exempt = record.findtext("component") in ("question", "qtype_multichoice")
        assert exempt or referenced[fid] == 1, f"file {fid} ({record.findtext('filename')}) referenced {referenced[fid]} times in inforef.xml"
    # every @@PLUGINFILE@@ URL of a text is a file of that text's own file area
    areas: dict[tuple, set[str]] = {}
    for record in records.values():
        key = (int(record.findtext("contextid")), record.findtext("component"), record.findtext("filearea"), int(record.findtext("itemid")))
        areas.setdefault(key, set()).add(record.findtext("filepath") + record.findtext("filename"))
    course_context = int(backup.xml("course/course.xml").get("contextid"))
    for name, data in backup.files.items():
        if not name.endswith(".xml") or b"@@PLUGINFILE@@" not in data:
            continue
        root = etree.fromstring(data)
        for element in root.iter():
            for url in re.findall(r'@@PLUGINFILE@@(/[^"\'#?]+)', element.text or ""):
                area = _file_area(root, element, course_context)
                assert unquote(url) in areas.get(area, set()), f"{name} <{element.tag}>: {url} is not in file area {area}"


def _file_area(root: etree._Element, element: etree._Element, course_context: int) -> tuple:
    """The file area a text field's files live in, as each module's backup step annotates it."""
    tag, parent = element.tag, element.getparent()
    if root.tag == "activity":
        modname = root.get("modulename")
        return (int(root.get("contextid")), f"mod_{modname}", tag, 0)
    if root.tag == "course":
        return (course_context, "course", tag, 0)
    if root.tag == "section":
        return (course_context, "course", "section", int(root.get("id")))
    bank = int(next(a for a in element.iterancestors() if a.tag == "question_category").findtext("contextid"))
    if tag == "answertext":
        return (bank, "question", "answer", int(parent.get("id")))
    if tag == "feedback":
        return (bank, "question", "answerfeedback", int(parent.get("id")))
    question = next(a for a in element.iterancestors() if a.tag == "question")
    return (bank, "question", tag, int(question.get("id")))


def check_grades(backup: Backup) -> None:
    course_total = 0.0
    for activity in backup.activities():
        directory = activity["directory"]
        grades = backup.xml(f"{directory}/grades.xml")
        ids = [int(i.get("id")) for i in grades.iterfind("grade_items/grade_item")]
        refs = [int(i.text) for i in backup.xml(f"{directory}/inforef.xml").iterfind("grade_itemref/grade_item/id")]
        assert ids == refs, f"{directory}: grade items {ids}, inforef lists {refs}"
        for item in grades.iterfind("grade_items/grade_item"):
            assert item.findtext("itemmodule") == activity["modulename"]
            course_total += float(item.findtext("grademax"))
            assert float(item.findtext("gradepass")) <= float(item.findtext("grademax"))
        module = backup.xml(f"{directory}/module.xml")
        if module.findtext("completiongradeitemnumber") not in (None, NULL):
            assert ids, f"{directory}: completion by grade without a grade item"
        if module.findtext("completionpassgrade") == "1":
            assert float(grades.findtext("grade_items/grade_item/gradepass")) > 0, f"{directory}: pass completion without pass grade"
    gradebook = backup.xml("gradebook.xml")
    total = float(gradebook.findtext("grade_items/grade_item/grademax"))
    assert total == (course_total or 100)


def check_questions(backup: Backup) -> None:
    questions = backup.xml("questions.xml")
    categories = {int(c.get("id")): c for c in questions.iterfind("question_category")}
    tops = Counter(c.findtext("contextid") for c in categories.values() if c.findtext("parent") == "0")
    assert all(count == 1 for count in tops.values()), "restore refuses two top categories in one context"
    stamps = [c.findtext("stamp") for c in categories.values()]
    assert len(stamps) == len(set(stamps))
    # a bank is listed by the inforef.xml of its owner: the course (4.5) or its question bank activity (5.x)
    owners = {a["directory"]: backup.xml(f"{a['directory']}/{a['modulename']}.xml").get("contextid") for a in backup.activities()}
    owners["course"] = backup.xml("course/course.xml").get("contextid")
    for owner, contextid in owners.items():
        listed = {int(i.text) for i in backup.xml(f"{owner}/inforef.xml").iterfind("question_categoryref/question_category/id")}
        own = {cid for cid, c in categories.items() if c.findtext("contextid") == contextid}
        if owner == "course" or own:
            assert listed >= own, f"{owner}/inforef.xml must list the question categories of its context"
    contexts = set(owners.values())
    for category in categories.values():
        assert category.findtext("contextid") in contexts, f"question category {category.get('id')} in a context the backup lacks"
    entries = {}
    for category in categories.values():
        for entry in category.iterfind("question_bank_entries/question_bank_entry"):
            assert entry.findtext("questioncategoryid") == category.get("id")
            entries[int(entry.get("id"))] = (int(category.get("id")), entry)
    question_stamps = [q.text for q in questions.iterfind(".//question/stamp")]
    assert len(question_stamps) == len(set(question_stamps))
    for activity in backup.activities():
        if activity["modulename"] != "quiz":
            continue
        directory = activity["directory"]
        quiz = backup.xml(f"{directory}/quiz.xml")
        refs = {int(i.text) for i in backup.xml(f"{directory}/inforef.xml").iterfind("question_categoryref/question_category/id")}
        marks = 0.0
        for instance in quiz.iterfind("quiz/question_instances/question_instance"):
            reference_ = instance.find("question_reference")
            entry = int(reference_.findtext("questionbankentryid"))
            assert entry in entries, f"{directory}: slot refers to a missing bank entry {entry}"
            assert entries[entry][0] in refs, f"{directory}: its question category is not in its inforef.xml"
            assert reference_.findtext("usingcontextid") == quiz.get("contextid")
            assert (reference_.findtext("component"), reference_.findtext("questionarea")) == ("mod_quiz", "slot")
            marks += float(instance.findtext("maxmark"))
        assert float(quiz.findtext("quiz/sumgrades")) == marks


def check_links(backup: Backup) -> None:
    cmids = {int(a["moduleid"]): a["modulename"] for a in backup.activities()}
    course_id = backup.xml("course/course.xml").get("id")
    for name, data in backup.files.items():
        if not name.endswith(".xml"):
            continue
        text = data.decode("utf-8")
        assert "qser:" not in text, f"{name}: unresolved qser: link"
        for link, target in re.findall(r"\$@([A-Z0-9]+)\*(\d+)@\$", text):
            assert link in DECODE_RULES, f"{name}: restore has no decode rule {link}"
            if DECODE_RULES[link] == "course":
                assert target == course_id, f"{name}: course link to {target}"
            else:
                assert cmids.get(int(target)) == link[: -len("VIEWBYID")].lower(), f"{name}: {link}*{target} is not that module"


# Column sizes in Moodle's install.xml: a longer value makes restore fail on PostgreSQL/MySQL.
LIMITS = {
    ("course/course.xml", "fullname"): 254,
    ("course/course.xml", "shortname"): 255,
    ("section.xml", "name"): 255,
    ("module.xml", "idnumber"): 100,
    ("questions.xml", "name"): 255,
    ("grades.xml", "itemname"): 255,
    ("grades.xml", "idnumber"): 100,
}


def check_lengths(backup: Backup) -> None:
    for name, data in backup.files.items():
        if not name.endswith(".xml"):
            continue
        root = etree.fromstring(data)
        limits = {tag: size for (suffix, tag), size in LIMITS.items() if name.endswith(suffix)}
        if root.tag == "activity":  # every module table has name varchar(255)
            limits["name"] = 255
        for element in root.iter():
            if element.tag in limits and element.text and element.text != NULL:
                assert len(element.text) <= limits[element.tag], f"{name} <{element.tag}>: {len(element.text)} characters"



# --- Moodle 5.x: the course's questions in a question bank activity ---------------------------

# mod/qbank/backup/moodle2/backup_qbank_stepslib.php (5.0): the qbank element and its fields
QBANK_FIELDS = ["name", "timecreated", "timemodified", "intro", "introformat", "type"]
QBANK_TYPES = {"standard", "system", "preview"}  # question_bank_helper::SHARED_TYPES
MODULE_LEVEL = "70"  # CONTEXT_MODULE


def check_module_banks(backup: Backup) -> None:
    """What Moodle 5's backup code writes for a course with quizzes, rule by rule:

    - the bank is a ``qbank`` activity, created hidden in section 0
      (``question_bank_helper::create_default_open_instance``), ``qbank.xml`` as its backup step
      writes it;
    - every question category is in a module context (``restore_dbops::
      prechek_precheck_qbanks_by_level`` warns for any other level) of an activity of the backup,
      and that activity's ``inforef.xml`` lists them (``backup_calculate_question_categories``);
    - the course task no longer annotates categories, and the ``questionbank`` root setting is
      gone (``backup_root_task`` in 5.0);
    - each quiz lists the whole bank it takes questions from (``calculate_question_categories``
      adds every category of a referenced context).
    """
    banks = [a for a in backup.activities() if a["modulename"] == "qbank"]
    assert len(banks) == 1, f"expected one question bank activity, found {len(banks)}"
    directory = banks[0]["directory"]
    module = backup.xml(f"{directory}/module.xml")
    assert module.findtext("sectionnumber") == "0" and module.findtext("visible") == "0"
    activity = backup.xml(f"{directory}/qbank.xml")
    assert [child.tag for child in activity[0]] == QBANK_FIELDS
    assert activity.findtext("qbank/type") in QBANK_TYPES and activity.findtext("qbank/name")
    contextid, cmid = activity.get("contextid"), activity.get("moduleid")
    categories = backup.xml("questions.xml").findall("question_category")
    assert categories, "a course with quizzes has questions"
    for category in categories:
        place = (category.findtext("contextid"), category.findtext("contextlevel"), category.findtext("contextinstanceid"))
        assert place == (contextid, MODULE_LEVEL, cmid), f"question category {category.get('id')} at {place}, not in the bank"
    ids = {int(c.get("id")) for c in categories}
    listed = lambda folder: {int(i.text) for i in backup.xml(f"{folder}/inforef.xml").iterfind("question_categoryref/question_category/id")}  # noqa: E731
    assert listed(directory) == ids
    assert listed("course") == set(), "Moodle 5 annotates no course-level question categories"
    for quiz in (a for a in backup.activities() if a["modulename"] == "quiz"):
        assert listed(quiz["directory"]) == ids, f"{quiz['directory']}: lists part of the bank"
    settings = {s.findtext("name") for s in backup.manifest.iterfind("information/settings/setting")}
    assert "questionbank" not in settings
    files = backup.xml("files.xml")
    for record in files.iterfind("file"):
        if record.findtext("component") == "question":
            assert record.findtext("contextid") == contextid, "question files live in the bank's context"
