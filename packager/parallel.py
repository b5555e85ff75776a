"""Work spread over every core by forking: a child inherits the build's state (the loaded
or rendered course), so nothing is pickled on the way in and only results come back.

One level only: work split again inside a child runs there serially, so the writers of
several targets (each in its own child) never fork more processes than there are cores.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

FROM_PAGES = 400  # pages (all languages) below which forking costs more than it saves
_JOB: Callable[[Any], Any] | None = None
_IN_CHILD = False


def cores() -> int:
    """Cores to fork for; 1 inside a child of :func:`fork_map`."""
    return 1 if _IN_CHILD else os.cpu_count() or 1


def fork_map(job: Callable[[Any], Any], items: Iterable[Any], workers: int | None = None) -> Iterator[Any]:
    """``job(item)`` for each item, in order, yielded as they finish in order; in forked
    children when there is more than one core (and item) to use, else here."""
    items = list(items)
    workers = min(workers or cores(), cores(), len(items))
    if workers < 2:
        yield from map(job, items)
        return
    global _JOB
    _JOB = job
    gc.freeze()  # a child's collector would otherwise touch, and so copy, every inherited object
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_enter_child) as pool:
            yield from pool.map(_run, items)
    finally:
        _JOB = None
        gc.unfreeze()


def _enter_child() -> None:
    global _IN_CHILD
    _IN_CHILD = True


def _run(item: Any) -> Any:
    return _JOB(item)
