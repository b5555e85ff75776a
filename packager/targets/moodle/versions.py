"""Version stamps per Moodle release, as ``moodle_backup.xml`` and ``module.xml`` carry them.

Restore warns (never refuses) when a backup comes from a newer Moodle, and switches on
legacy code paths for old ``backup_release`` values; the quiz also branches on its module
version. Each row is the ``.0`` release of its branch, so a backup stamped for a branch
restores without warnings on every later point release of it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stamp:
    moodle_version: str  # $CFG->version
    moodle_release: str  # $CFG->release
    backup_version: int  # backup::VERSION, the branch date
    backup_release: str  # backup::RELEASE, "X.Y"

    @property
    def banks_in_modules(self) -> bool:
        """From 5.0 on, questions live in question bank activities (``mod_qbank``), not the course."""
        return self.backup_version >= 2025041400

    @property
    def module_version(self) -> int:
        """Core plugins of a branch share its date; quiz restore needs >= 2022020300."""
        return self.backup_version


STAMPS: dict[str, Stamp] = {
    "4.5": Stamp("2024100700.00", "4.5 (Build: 20241007)", 2024100700, "4.5"),
    "5.0": Stamp("2025041400.00", "5.0 (Build: 20250414)", 2025041400, "5.0"),
    "5.1": Stamp("2025100600.00", "5.1 (Build: 20251006)", 2025100600, "5.1"),
}


def stamp(release: str) -> Stamp:
    try:
        return STAMPS[release]
    except KeyError:
        raise ValueError(f"unsupported Moodle version {release!r}; choose one of {', '.join(STAMPS)}") from None
