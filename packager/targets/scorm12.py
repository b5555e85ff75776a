"""SCORM 1.2 target: ``<shortname>-<lang>-scorm12.zip`` for every language (see :mod:`packager.scorm`)."""

from ..scorm.target import checker, writer
from ..scorm.versions import SCORM12

write = writer(SCORM12)
check = checker(SCORM12)
