"""What the tests share: the fixture courses (:mod:`.courses`), the Moodle backup checks
(:mod:`.backup_checks`), Chromium with axe-core (:mod:`.browser`) and a SCORM LMS in a page
(:mod:`.scorm_lms`). Test modules import from here, never from each other."""
