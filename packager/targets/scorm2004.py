"""SCORM 2004 4th edition target: ``<shortname>-<lang>-scorm2004.zip`` for every language (see :mod:`packager.scorm`)."""

from ..scorm.target import checker, writer
from ..scorm.versions import SCORM2004

write = writer(SCORM2004)
check = checker(SCORM2004)
