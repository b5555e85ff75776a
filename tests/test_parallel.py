"""The fork helper: results in order, a job's exception raised again in the parent, a child
that dies reported, nested work run serially, no child left behind; what the parent does
meanwhile (a build compiles the writers' templates there)."""

from __future__ import annotations

import os

import pytest

from packager import parallel
from packager.cache import Cache
from packager.diagnostics import CourseError, Diagnostics
from tests.support.courses import write


@pytest.fixture(autouse=True)
def two_cores(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)


def test_results_come_in_order_from_the_children():
    pids = list(parallel.fork_map(lambda x: (x * x, os.getpid()), range(9)))
    assert [square for square, _ in pids] == [x * x for x in range(9)]
    assert os.getpid() not in {pid for _, pid in pids}


def test_a_jobs_exception_is_raised_again_with_the_childs_traceback():
    problems = Diagnostics()
    problems.error("a.md", 3, "broken")

    def job(x):
        if x == 2:
            raise CourseError(problems)
        return x

    with pytest.raises(CourseError) as raised:
        list(parallel.fork_map(job, range(5)))
    assert raised.value.diagnostics.items == problems.items
    assert isinstance(raised.value.__cause__, parallel.ChildTraceback) and "raise CourseError" in str(raised.value.__cause__)


def test_a_child_that_dies_is_an_error_and_none_is_left_running(monkeypatch):
    forked, fork = [], os.fork
    monkeypatch.setattr(os, "fork", lambda: forked.append(fork()) or forked[-1])

    def job(x):
        if x == 1:
            os._exit(3)
        return x

    with pytest.raises(RuntimeError, match="ended before finishing"):
        list(parallel.fork_map(job, range(4)))
    assert len(forked) == 2
    for pid in forked:  # every child was waited for
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_work_split_inside_a_child_runs_there():
    def job(_):
        inner = list(parallel.fork_map(lambda _: os.getpid(), range(2)))
        return parallel.cores(), os.getpid(), inner

    for cores, pid, inner in parallel.fork_map(job, range(2)):
        assert cores == 1 and inner == [pid, pid]


def test_meanwhile_runs_once_in_the_parent_while_children_work_and_they_inherit_nothing_of_it():
    done: list[int] = []
    results = list(parallel.fork_map(lambda x: (x, len(done)), range(4), meanwhile=lambda: done.append(os.getpid())))
    assert done == [os.getpid()]  # once, here
    assert [x for x, _ in results] == list(range(4)) and {seen for _, seen in results} == {0}  # forked before it ran
    list(parallel.fork_map(lambda x: x, [1], meanwhile=lambda: done.append(0)))  # one job: not forked, not called
    assert done == [os.getpid()]


def test_a_build_compiles_the_site_templates_before_forking_its_writers(mini_course, tmp_path, monkeypatch):
    """Its forked writers inherit the templates, compiled once (Target.prepare, run while the course
    renders, or before writing when that was not forked)."""
    from packager.build import build
    from packager.render import site

    compiled: list[int] = []
    monkeypatch.setattr(site, "compile_templates", lambda: compiled.append(os.getpid()))
    monkeypatch.setattr(parallel, "FROM_PAGES", 1)
    build(mini_course, tmp_path / "out", ["html", "scorm12"], cache=Cache.for_output(tmp_path / "out"))
    assert compiled == [os.getpid()]  # once for both targets, in this process
    write(mini_course, "01-basics/01-first.md", "---\ntitle: First page\n---\nEdited.\n")
    build(mini_course, tmp_path / "out", ["html", "scorm12"], cache=Cache.for_output(tmp_path / "out"))
    assert compiled == [os.getpid()] * 2  # one text rendered, not by forked workers: here before writing
