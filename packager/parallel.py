"""Work spread over every core by forking: a child inherits the build's state (the loaded
or rendered course), so nothing is pickled on the way in and only results come back.

One level only: work split again inside a child runs there serially, so the writers of
several targets (each in its own child) never fork more processes than there are cores.

The children are forked here directly, not by a process pool: a build forks once or twice
for a handful of jobs, and a pool's imports, threads and queues cost more than a one-page
edit's writers take. Each child takes the number of the next job from a pipe they share and
sends each result back, pickled, on a pipe of its own; a job's exception is raised again in
the parent (with the child's traceback as its cause), and a child that dies is an error.
"""

from __future__ import annotations

import gc
import os
import pickle
import selectors
import signal
import struct
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import Any

FROM_PAGES = 400  # pages (all languages) below which forking costs more than it saves
_IN_CHILD = False
_INDEX = struct.Struct("<I")  # a job's number on the shared pipe: one atomic write each
_LENGTH = struct.Struct("<Q")  # the length of a pickled result before it


class ChildTraceback(Exception):
    """The traceback of an exception raised in a forked child (the ``__cause__`` of the one
    raised again in the parent)."""


def cores() -> int:
    """Cores to fork for; 1 inside a child of :func:`fork_map`."""
    return 1 if _IN_CHILD else os.cpu_count() or 1


def fork_map(job: Callable[[Any], Any], items: Iterable[Any], workers: int | None = None,
             meanwhile: Callable[[], Any] | None = None) -> Iterator[Any]:
    """``job(item)`` for each item, in order, yielded as they finish in order; in forked
    children when there is more than one core (and item) to use, else here.

    ``meanwhile`` is called here once the children run, when there are children: work the
    parent would otherwise do alone before or after them (the build compiles the writers'
    templates there, for every writer forked later to inherit)."""
    items = list(items)
    workers = min(workers or cores(), cores(), len(items))
    if workers < 2:
        yield from map(job, items)
        return
    gc.freeze()  # a child's collector would otherwise touch, and so copy, every inherited object
    try:
        yield from _forked(job, items, workers, meanwhile)
    finally:
        gc.unfreeze()


def _forked(job: Callable[[Any], Any], items: list, workers: int, meanwhile: Callable[[], Any] | None) -> Iterator[Any]:
    tasks_read, tasks_write = os.pipe()
    children: dict[int, int] = {}  # result pipe -> child pid
    complete = False
    for stream in (sys.stdout, sys.stderr):  # else a child would print what the parent buffered
        stream.flush()
    try:
        for _ in range(workers):
            result_read, result_write = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(result_read)
                os.close(tasks_write)
                for other in children:
                    os.close(other)
                _serve(job, items, tasks_read, result_write)  # never returns
            os.close(result_write)
            children[result_read] = pid
        os.close(tasks_read)
        for index in range(len(items)):  # each number one write of 4 bytes: atomic, read whole
            os.write(tasks_write, _INDEX.pack(index))
        os.close(tasks_write)
        tasks_write = -1
        if meanwhile is not None:
            meanwhile()
        yield from _results(children, len(items))
        complete = True
    finally:
        for fd in (tasks_write, *children):
            if fd >= 0:
                _close(fd)
        for pid in children.values():
            _reap(pid, stop=not complete)


def _serve(job: Callable[[Any], Any], items: list, tasks: int, results: int) -> None:
    """A child's loop: run the jobs whose numbers it reads, send each result, exit."""
    global _IN_CHILD
    _IN_CHILD = True
    status = 0
    try:
        with os.fdopen(results, "wb") as out:
            while len(raw := os.read(tasks, _INDEX.size)) == _INDEX.size:
                (index,) = _INDEX.unpack(raw)
                try:
                    payload = pickle.dumps((index, True, job(items[index])))
                except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent
                    payload = pickle.dumps((index, False, _portable(exc)))
                out.write(_LENGTH.pack(len(payload)) + payload)
                out.flush()
    except BaseException:  # noqa: BLE001 - the parent sees the missing results
        traceback.print_exc()
        status = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - exiting anyway
                pass
        os._exit(status)


def _portable(exc: BaseException) -> tuple[BaseException, str]:
    """The exception and its traceback as text, as they can be pickled."""
    text = "".join(traceback.format_exception(exc))
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - an exception that does not survive pickling
        exc = RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc, text


def _results(children: dict[int, int], count: int) -> Iterator[Any]:
    """The results from the children's pipes, yielded in job order as they arrive."""
    done: dict[int, tuple[bool, Any]] = {}
    buffers = {fd: bytearray() for fd in children}
    following = 0
    with selectors.DefaultSelector() as selector:
        for fd in children:
            selector.register(fd, selectors.EVENT_READ)
        while following < count:
            if not selector.get_map():
                raise RuntimeError(f"a forked worker ended before finishing its work ({count - following} job(s) left)")
            for key, _ in selector.select():
                chunk = os.read(key.fd, 1 << 20)
                if not chunk:
                    selector.unregister(key.fd)
                    continue
                buffer = buffers[key.fd]
                buffer += chunk
                while len(buffer) >= _LENGTH.size and len(buffer) >= _LENGTH.size + (size := _LENGTH.unpack_from(buffer)[0]):
                    index, ok, value = pickle.loads(buffer[_LENGTH.size:_LENGTH.size + size])
                    del buffer[:_LENGTH.size + size]
                    done[index] = (ok, value)
            while following in done:
                ok, value = done.pop(following)
                following += 1
                if not ok:
                    exc, text = value
                    raise exc from ChildTraceback(text)
                yield value


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def _reap(pid: int, stop: bool) -> None:
    """Waits for a child to exit; with ``stop`` (the parent gave up early: a job failed, or
    the caller stopped iterating) one still running is ended first."""
    try:
        if stop and not os.waitpid(pid, os.WNOHANG)[0]:
            os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError):
        pass
