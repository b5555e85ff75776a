"""``content/`` to an immutable :class:`~packager.model.Course`: :mod:`.files` (one Markdown
file, its front matter and line numbers), :mod:`.schema` (what front matter may say),
:mod:`.loader` (the walk and the course it builds)."""

from .loader import item_files, load_course, load_partial, reload_items
from .naming import resolve_relative

__all__ = ["item_files", "load_course", "load_partial", "reload_items", "resolve_relative"]
