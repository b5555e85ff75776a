"""qser packager: Markdown course -> HTML, SCORM, Moodle backup and Common Cartridge."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("qser")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"
