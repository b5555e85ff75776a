"""Moodle course backup (``.mbz``) builders, one module per concern.

The layout, element order and value conventions follow what Moodle 4.5 itself writes (see
``tests/moodle-reference/REF101``): restore reads these files with Moodle's own structure
steps, so anything Moodle would not write is a risk, and anything it always writes is kept.
:mod:`.target` is the target (its options, check and writer) that assembles the archives.
"""

from . import target  # noqa: F401  (registers the moodle target)
