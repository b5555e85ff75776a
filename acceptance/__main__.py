"""``make acceptance``: both real-Moodle checks against the site the environment names."""

from __future__ import annotations

import sys

from . import cc_links, restore_check

if __name__ == "__main__":
    failed = False
    for check in (restore_check.main, cc_links.main):
        try:
            check.main(args=[], standalone_mode=False)
        except SystemExit as exit_:
            failed = failed or bool(exit_.code)
    sys.exit(1 if failed else 0)
