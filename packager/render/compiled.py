"""Compiled Jinja templates kept in the build cache, so a build does not compile them again.

Compiling the site's templates costs a one-page edit ~0.05 s of CPU, more than templating
the edited page. Jinja can load a template's compiled code instead (its bytecode cache
hook); this one keeps the code in the build cache (area :data:`AREA`), keyed by everything
the code depends on: the template's name, file and source, qser's own code (which sets the
environment's options), Jinja's version and the Python bytecode format. The code is stored
as :mod:`marshal` bytes inside the entry and loaded only under a key naming this Python's
bytecode format, as Python's own ``.pyc`` files are; Jinja's file cache would unpickle its
header, which the build cache never does.
"""

from __future__ import annotations

import importlib.util
import marshal
import types

import jinja2
from jinja2.bccache import Bucket, BytecodeCache

from ..cache import Cache, code_digest, digest

AREA = "templates"


class CachedTemplates(BytecodeCache):
    """An environment's ``bytecode_cache`` for the length of one build."""

    def __init__(self, cache: Cache):
        self.cache = cache

    def load_bytecode(self, bucket: Bucket) -> None:
        raw = self.cache.get(AREA, _key(bucket))
        if not isinstance(raw, bytes):
            return
        try:
            code = marshal.loads(raw)
        except (EOFError, ValueError, TypeError):  # damaged: Jinja compiles it again
            return
        if isinstance(code, types.CodeType):
            bucket.code = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.cache.put(AREA, _key(bucket), marshal.dumps(bucket.code))


def _key(bucket: Bucket) -> str:
    # bucket.key: the template's name and file; bucket.checksum: its source
    return digest(bucket.key, bucket.checksum, code_digest(), jinja2.__version__, importlib.util.MAGIC_NUMBER)
