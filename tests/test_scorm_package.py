"""SCORM 1.2 and 2004 packages as files: manifests against the official XSDs, the file list,
stable identifiers, reproducible zips, what Moodle's parser reads, and the SCORM 1.2 limit checks."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from packager.build import build
from packager.cli import main
from packager.source import load_course
from packager.targets.scorm.plan import tracking_plan
from packager.targets.scorm.versions import SCORM12, SCORM2004, VERSIONS
from tests.support.courses import CONTENT, ROOT, write
from tests.support.courses import oversized_summary_course, quiz_course

SCHEMAS = ROOT / "tests" / "schemas"
NS = {
    "cp12": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
    "adlcp12": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
    "cp": "http://www.imsglobal.org/xsd/imscp_v1p1",
    "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
    "imsss": "http://www.imsglobal.org/xsd/imsss",
    "lom": "http://ltsc.ieee.org/xsd/LOM",
}
CP = {"scorm12": "cp12", "scorm2004": "cp"}


@pytest.fixture(scope="module")
def schemas():
    return {name: etree.XMLSchema(etree.parse(str(SCHEMAS / name / "validate-all.xsd"))) for name in VERSIONS}


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("shipped")
    build(CONTENT, out, ("scorm12", "scorm2004"))
    return out


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    root = quiz_course(tmp_path_factory.mktemp("quiz-course") / "content")
    out = root.parent / "build"
    build(root, out, ("scorm12", "scorm2004"))
    return out


def packages(out: Path) -> list[Path]:
    found = sorted(out.glob("*-scorm*.zip"))
    assert found, f"no packages in {out}"
    return found


def version_of(package: Path) -> str:
    return package.stem.rsplit("-", 1)[1]


def manifest(package: Path) -> etree._ElementTree:
    with zipfile.ZipFile(package) as archive:
        return etree.ElementTree(etree.fromstring(archive.read("imsmanifest.xml")))


@pytest.mark.parametrize("course", ["shipped", "synthetic"])
def test_every_manifest_is_valid_against_the_official_schemas(course, schemas, request):
    out = request.getfixturevalue(course)
    names = [p.name for p in packages(out)]
    languages = ["en", "el", "es"] if course == "shipped" else ["en", "el"]
    assert sorted(names) == sorted(f"{'qser' if course == 'shipped' else 'quizzes'}-{lang}-{v}.zip" for lang in languages for v in VERSIONS)
    for package in packages(out):
        schema = schemas[version_of(package)]
        assert schema.validate(manifest(package)), f"{package.name}: {schema.error_log}"


def test_broken_manifests_are_rejected_by_the_schemas(schemas, shipped):
    """The validation is real, extension namespaces included: out-of-range or unknown values fail."""
    doc04 = manifest(shipped / "qser-en-scorm2004.zip")
    doc04.find(".//imsss:minNormalizedMeasure", NS).text = "1.5"
    assert not schemas["scorm2004"].validate(doc04)
    doc12 = manifest(shipped / "qser-en-scorm12.zip")
    doc12.find(".//cp12:resource", NS).set(f"{{{NS['adlcp12']}}}scormtype", "lesson")
    assert not schemas["scorm12"].validate(doc12)


@pytest.mark.parametrize("course", ["shipped", "synthetic"])
def test_the_manifest_lists_every_file_and_only_files_that_exist(course, request):
    for package in packages(request.getfixturevalue(course)):
        version = VERSIONS[version_of(package)]
        cp = CP[version.target]
        doc = manifest(package)
        with zipfile.ZipFile(package) as archive:
            names = set(archive.namelist())
            assert archive.namelist()[0] == "imsmanifest.xml"
        resources = doc.findall(f".//{cp}:resource", NS)
        assert len(resources) == 1
        listed = [f.get("href") for f in resources[0].findall(f"{cp}:file", NS)]
        assert len(listed) == len(set(listed))
        assert resources[0].get("href") in listed
        content = names - {"imsmanifest.xml"} - set(version.schema_files)
        assert set(listed) == content, package.name
        assert set(version.schema_files) <= names  # the controlling documents ship at the root


def test_what_moodles_parser_reads(shipped):
    """Moodle matches <schemaversion> exactly, reads literal prefixes and one organization."""
    for package in packages(shipped):
        version = VERSIONS[version_of(package)]
        cp = CP[version.target]
        with zipfile.ZipFile(package) as archive:
            raw = archive.read("imsmanifest.xml").decode("utf-8")
        assert f"<schemaversion>{version.schemaversion}</schemaversion>" in raw
        doc = manifest(package)
        organizations = doc.find(f"{cp}:organizations", NS)
        (organization,) = organizations.findall(f"{cp}:organization", NS)
        assert organizations.get("default") == organization.get("identifier")
        (item,) = organization.findall(f"{cp}:item", NS)
        assert item.find(f"{cp}:title", NS).text
        if version is SCORM12:
            assert 'adlcp:scormtype="sco"' in raw
            assert item.find("adlcp12:masteryscore", NS).text == "80"  # threshold 4 of 5
        else:
            assert 'adlcp:scormType="sco"' in raw
            measure = item.find("imsss:sequencing/imsss:objectives/imsss:primaryObjective/imsss:minNormalizedMeasure", NS)
            assert measure.text == "0.8"
            assert "completionThreshold" not in raw  # Moodle would overwrite completion_status at Terminate
        assert doc.find(f".//{cp}:resource", NS).get("href") == "index.html"


def test_metadata_names_the_course_in_the_packages_language(shipped):
    course, _ = load_course(CONTENT)
    package = shipped / "qser-el-scorm2004.zip"
    lom = manifest(package).find(".//lom:lom", NS)
    assert lom.find("lom:general/lom:title/lom:string", NS).text == course.text("el").title
    assert lom.find("lom:general/lom:title/lom:string", NS).get("language") == "el"
    assert lom.find("lom:general/lom:language", NS).text == "el"
    assert lom.find("lom:lifeCycle/lom:version/lom:string", NS).text == course.version
    assert lom.find("lom:rights/lom:description/lom:string", NS).text == course.license


def test_synthetic_mastery_is_the_mean_of_the_quiz_pass_marks(synthetic):
    """Quizzes pass at 50 and 75: the course pass mark is 62 (62.5 rounded half to even)."""
    doc12 = manifest(synthetic / "quizzes-en-scorm12.zip")
    assert doc12.find(".//adlcp12:masteryscore", NS).text == "62"
    doc04 = manifest(synthetic / "quizzes-en-scorm2004.zip")
    assert doc04.find(".//imsss:minNormalizedMeasure", NS).text == "0.62"


def test_identifiers_are_stable_and_builds_reproducible(tmp_path, synthetic):
    """Moodle keeps tracks only for unchanged identifiers; the same source gives the same bytes."""
    root = quiz_course(tmp_path / "content")
    again = tmp_path / "again"
    build(root, again, ("scorm12", "scorm2004"))
    for package in packages(synthetic):
        assert (again / package.name).read_bytes() == package.read_bytes(), package.name
    write(root, "01-basics/01-first.md", "---\ntitle: First page, rewritten\n---\nNew text.\n")
    changed = tmp_path / "changed"
    build(root, changed, ("scorm12", "scorm2004"))
    for package in packages(synthetic):
        version = version_of(package)
        cp = CP[version]
        before, after = manifest(package), manifest(changed / package.name)
        ids = lambda doc: [(e.tag, e.get("identifier")) for e in doc.iter() if e.get("identifier")]  # noqa: E731
        assert ids(before) == ids(after)
        assert (changed / package.name).read_bytes() != package.read_bytes()
        assert before.find(f".//{cp}:item", NS).get("identifier") == "ITEM-quizzes"


def test_shipped_schema_copies_are_the_official_files():
    for version in VERSIONS.values():
        for name in version.schema_files:
            shipped = ROOT / "packager" / "targets" / "scorm" / "schemas" / version.target / name
            assert shipped.read_bytes() == (SCHEMAS / version.target / name).read_bytes(), name


def test_launch_page_and_course_pages_carry_the_runtime(synthetic):
    with zipfile.ZipFile(synthetic / "quizzes-el-scorm12.zip") as archive:
        launch = archive.read("index.html").decode("utf-8")
        quiz_page = archive.read("el/basics/check.html").decode("utf-8")
        names = archive.namelist()
    assert '<html lang="el">' in launch
    assert 'src="static/qser-scorm.js"' in launch
    assert '"version": "1.2"' in launch
    assert 'id="qser-page-data"' in quiz_page and "qser-widgets.js" in quiz_page
    assert not any(name.startswith(("en/", "html/")) for name in names)  # one language per package
    assert "assets/assets/handout.txt" in names  # the site keeps content paths under assets/


# --- SCORM 1.2 limits ------------------------------------------------------------------


def test_summary_too_long_for_scorm12_suspend_data_is_reported_at_its_fields(tmp_path):
    root = oversized_summary_course(tmp_path / "content")
    course, _ = load_course(root)
    from packager.targets.scorm import limits

    plan = tracking_plan(course)
    warnings = limits.check(course, plan, SCORM12).warnings
    assert len(warnings) == 1
    (warning,) = warnings
    assert warning.path.endswith("03-screener.md")
    source = (root / warning.path).read_text(encoding="utf-8").splitlines()
    assert source[warning.line - 1].startswith("summary_fields:")
    assert "4096" in warning.message and "max_length" in warning.message
    assert not limits.check(course, plan, SCORM2004).items


def test_limits_warn_about_long_bookmarks_and_identifiers(tmp_path):
    root = quiz_course(tmp_path / "content")
    write(root, "01-basics/04-long.md", f"---\ntitle: Long\nslug: {'s' * 250}\n---\nText.\n")
    result = CliRunner().invoke(main, ["build", str(root), "--out", str(tmp_path / "out"), "-t", "scorm12", "-t", "scorm2004"])
    assert result.exit_code == 0, result.output
    assert re.search(r"04-long\.md:1: warning: SCORM 1\.2: the bookmark of this item \(262 characters\)", result.output)
    assert "SCORM 2004: the bookmark" not in result.output  # 2004 stores 1000 characters


def test_strict_build_fails_on_scorm12_limits_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(oversized_summary_course(tmp_path / "content")), "--out", str(out), "-t", "scorm12", "--strict"])
    assert result.exit_code == 1
    assert "03-screener.md" in result.output and "SCORM 1.2" in result.output
    assert not list(out.glob("*.zip"))


def test_summary_fields_that_fit_raise_no_warning():
    """The shipped one-page summary is sized to fit SCORM 1.2's 4096 characters."""
    course, diagnostics = load_course(CONTENT)
    assert course is not None, [d.format() for d in diagnostics.items]
    from packager.targets.scorm import limits

    assert not limits.check(course, tracking_plan(course), SCORM12).items
