"""What the SCORM 1.2 and SCORM 2004 targets share: one package builder, two dialects.

A package is the course's HTML site for one language, a launch page that hosts it, our
runtime script, the interactive screener and quiz widgets, the manifest, and the schema
files the manifest names. The course is one SCO: Moodle's player cannot run a multi-SCO
SCORM 2004 package, and a single LMS session is the only way to keep one score, one
bookmark and one suspend-data record for the whole course (see README, "SCORM packages").

Modules: :mod:`.targets` (the two targets), :mod:`.versions` (what differs between 1.2 and 2004), :mod:`.plan` (what is
tracked and how it is scored), :mod:`.state` (the suspend-data format and its worst case),
:mod:`.limits` (build-time checks), :mod:`.widgets` (data for the page scripts),
:mod:`.manifest` (imsmanifest.xml) and :mod:`.package` (the zip).
"""

from . import targets  # noqa: F401  (registers the scorm12 and scorm2004 targets)
