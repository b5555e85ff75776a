"""Activities an earlier build made from the same inputs, replayed from the build cache.

Building an activity has side effects: it adds rows to the file pool and categories and
questions to the question bank, each taking the next free id. So an entry is keyed by
everything its builder reads *and* the ids free when it starts (a change that adds a file
or a question to one activity moves them, and every activity after it is built again), and
it records what the activity added; a replay adds the same rows and questions in the same
order, so the pool, the bank and every id end up exactly as a build from scratch leaves
them. File bytes are not stored: a replayed row's bytes are read from its course asset again
and must have the recorded SHA-1 and size, else the activity is built again.

What an activity's builder reads (see :mod:`.activities`): its module (ids and the item), its
rendered versions, the backup's settings (languages, release, date, short name, tool URL),
where links lead (every module's ids and kind, every section's number), which assets exist
(path and type), the question bank's context, and qser's own code. SCORM packages and the
question bank activity (no item) are always built: one each per backup, and cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import astuple, fields
from functools import cache as once

from ...cache import code_digest, digest
from .build import Activity, Build
from .grades import GradeItem
from .plan import Module
from ...render import RenderedItem
from .questions import QuestionBank

AREA = "activities"


class Reuse:
    def __init__(self, build: Build, bank: QuestionBank):
        self.build, self.bank = build, bank
        self.cache = build.rendered.cache
        self.base = self._base() if self.cache is not None else ""

    def activity(self, module: Module, make: Callable[[], Activity]) -> Activity:
        """The activity from the cache when an earlier build made it from the same inputs
        at the same ids, else ``make()`` (stored for the next build)."""
        if self.cache is None or module.item is None:
            return make()
        pool, bank = self.build.pool, self.bank
        mark = (len(pool.records), bank.mark())
        key = digest(self.base, _fields(module, "item"), _versions(self.build.items(module.item.id)), mark)
        hit = self.cache.get(AREA, key)
        if hit is not None:
            replayed = self._replay(hit)
            if replayed is not None:
                return replayed
            self.cache.stats[f"{AREA}.stale"] += 1
        made = make()
        rows, questions = pool.since(mark[0]), bank.since(mark[1])
        if rows is not None and questions is not None:
            grade = made.grade and astuple(made.grade)
            self.cache.put(AREA, key, (made.name, made.documents, made.file_ids, grade, made.uses_bank, rows, questions))
        return made

    def _replay(self, entry: tuple) -> Activity | None:
        name, documents, file_ids, grade, uses_bank, rows, questions = entry
        if not self.build.pool.replay(rows, self.build.content.asset_bytes):
            return None
        self.bank.replay(questions)
        return Activity(name, documents, file_ids, grade and GradeItem(*grade), uses_bank)

    def _base(self) -> str:
        """What every activity of this backup depends on besides its own module and texts."""
        build = self.build
        links = tuple(
            (s.id, s.number, s.slug, tuple((m.cmid, m.modname, m.instance, m.contextid, m.section_id, m.section_number,
                                           m.item and (m.item.id, m.item.kind), m.grade_item, m.lang, m.visible)
                                          for m in s.modules))
            for s in build.plan.sections
        )
        assets = sorted((a.path, a.media_type, a.size) for a in build.course.assets.values())
        return digest(code_digest(), build.languages, build.stamp, build.timestamp, build.shortname, build.tool_base, links,
                      assets, self.bank.context)


def _versions(parts: list[RenderedItem]) -> list[tuple]:
    """The rendered versions, for a key. An activity reads its item's texts only through its
    versions (the backup's languages), each keyed by its text's render key, which covers the
    text in full (title, front matter) as well as the HTML made of it; so the item is keyed
    without its texts, which would be hashed in full again for every activity."""
    return [(_fields(p.item, "texts"), p.text.lang, p.render_key or (p.text, p.html, p.screener, p.quiz)) for p in parts]


def _fields(value, left_out: str) -> tuple:
    """A dataclass's fields but one, in order: a key part made without building a copy of
    the value (a backup keys a thousand activities on a one-page edit)."""
    return tuple(getattr(value, name) for name in _names(type(value), left_out))


@once
def _names(cls: type, left_out: str) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.name != left_out)
