"""IMS Common Cartridge 1.1: ``<shortname>-<lang>.imscc``, one cartridge per language.

CC 1.1 is the newest version Moodle imports (it does not recognise 1.2 or 1.3), and
Canvas, Brightspace, Blackboard and Sakai import it too, so it is the one cartridge that
reaches every LMS. How the course maps onto it:

- the organisation mirrors the course: a first group with the course home page (Moodle puts
  the first group in its section 0), then one group per section, titled like the section,
  holding the section's introduction page (when it has text) and its items in order;
- pages are web content: one self-contained HTML file each, with their assets as files
  of their own web-content resources, listed as dependencies;
- labels are web content too. CC has no label: an organisation item without a resource
  imports as a Moodle label or a Canvas sub-header, but carries only its title, so a
  label's text would be lost. As a page it arrives whole (a Moodle page, a Canvas file);
- ``url`` items are web links, ``file`` items point at the file's web-content resource;
- the screener is a Basic LTI link to the qser tool, named by custom parameters;
- quizzes are QTI 1.2.1 assessments with the CC profile metadata and feedback importers read.

The layout and identifiers are in :mod:`.layout`; :mod:`.cartridge` writes one cartridge.
"""

from .. import Lazy, Target, register

register(Target("imscc", "IMS Common Cartridge 1.1, <shortname>-<lang>.imscc", Lazy("packager.targets.imscc.cartridge:write"), weight=7))
