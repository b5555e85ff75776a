"""qser packager: Markdown course -> HTML, SCORM, Moodle backup and Common Cartridge."""

# The one place the version is written (pyproject.toml reads it from here): asking
# importlib.metadata instead cost a tenth of a second on every ``qser`` start.
__version__ = "0.1.0"
