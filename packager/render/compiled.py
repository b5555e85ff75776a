"""Compiled Jinja templates kept beside their sources, as Python keeps a module's bytecode.

Compiling the site's templates costs a build ~0.05 s of CPU, more than templating the page
a one-page edit changed. Jinja can load a template's compiled code instead (its bytecode
cache hook); this one keeps it where Python keeps a module's: ``__pycache__`` in the
template's folder, as ``<name>.<cache tag>.jinja``, with the same trust (whoever can write
there can change the templates themselves). Not in the build cache: that is data which a
build never executes, and it sits in an output folder that may come from anywhere.

A file holds a header naming Python's bytecode format, Jinja's version, the qser code (which
sets the environment's options) and the template source's checksum, then the code in
:mod:`marshal` format; one whose header differs is compiled again and rewritten. Like Python,
it writes nothing under ``PYTHONDONTWRITEBYTECODE`` and goes on without the file where the
folder cannot be written.
"""

from __future__ import annotations

import importlib.util
import marshal
import sys
import types
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket, BytecodeCache

from ..archive import write_atomic
from ..cache import code_digest

MAGIC = b"qser-jinja\n"


class CompiledTemplates(BytecodeCache):
    """An environment's ``bytecode_cache``: each template's code in its folder's ``__pycache__``."""

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None, source: str) -> Bucket:
        bucket = Bucket(environment, self.get_cache_key(name, filename), self.get_source_checksum(source))
        bucket.path = _path(filename) if filename else None  # type: ignore[attr-defined]
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        path = bucket.path  # type: ignore[attr-defined]
        if path is None:  # a template without a file
            return
        try:
            raw = path.read_bytes()
        except OSError:  # none yet, or unreadable
            return
        header = _header(bucket)
        if not raw.startswith(header):
            return
        try:
            code = marshal.loads(memoryview(raw)[len(header):])
        except (EOFError, ValueError, TypeError):  # damaged: Jinja compiles it again
            return
        if isinstance(code, types.CodeType):
            bucket.code = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        path = bucket.path  # type: ignore[attr-defined]
        if path is None or sys.dont_write_bytecode:
            return
        try:
            write_atomic(path, _header(bucket) + marshal.dumps(bucket.code))
        except OSError:  # a folder this user cannot write (an installed qser): compiled each time
            pass


def _path(filename: str) -> Path:
    source = Path(filename)
    return source.parent / "__pycache__" / f"{source.name}.{sys.implementation.cache_tag}.jinja"


def _header(bucket: Bucket) -> bytes:
    return MAGIC + b"%s %s %s %s\n" % (importlib.util.MAGIC_NUMBER.hex().encode(), jinja2.__version__.encode(),
                                       code_digest().encode(), bucket.checksum.encode())
