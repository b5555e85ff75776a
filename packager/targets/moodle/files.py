"""``files.xml``, the content blobs under ``files/``, and who references which file.

Moodle stores a file once per content hash (``files/<sha1[:2]>/<sha1>``) and lists every
place it is used as a row of ``files.xml`` (context, component, file area, item, path).
Restore copies a row only if its id appears in some ``inforef.xml`` (question files aside),
so every :class:`FileArea` remembers the ids it added for its owner's ``inforef.xml``. Each
directory of an area also gets the ``.`` row Moodle's file API keeps for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import astuple, dataclass, field
from pathlib import PurePosixPath
from urllib.parse import quote

from .xml import Raw, attribute, document, flat, node, text

EMPTY_SHA1 = hashlib.sha1(b"").hexdigest()  # the content hash of Moodle's directory rows
PLUGINFILE = "@@PLUGINFILE@@"


@dataclass(frozen=True)
class StoredFile:
    id: int
    contenthash: str
    contextid: int
    component: str
    filearea: str
    itemid: int
    filepath: str  # "/" or "/dir/sub/"
    filename: str  # "." for a directory row
    filesize: int
    mimetype: str | None
    timestamp: int
    sortorder: int = 0
    source: str | None = None  # the course asset the bytes came from (not written: for the build cache)

    def xml(self) -> Raw:
        """Its row of ``files.xml``: the row's shape made once by :func:`flat`, filled in with
        this file's values (a 1000-page backup has thousands of rows, most of whose twenty
        values are the same in every row)."""
        return Raw(_ROW.format(
            id=attribute(self.id), contenthash=text(self.contenthash), contextid=text(self.contextid),
            component=text(self.component), filearea=text(self.filearea), itemid=text(self.itemid),
            filepath=text(self.filepath), filename=text(self.filename), filesize=text(self.filesize),
            mimetype=text(self.mimetype), timestamp=text(self.timestamp), sortorder=text(self.sortorder),
        ), 1)


_ROW = flat(  # each value that varies is a {field} to fill in (the fixed ones hold no braces)
    "file",
    {
        "contenthash": "{contenthash}",
        "contextid": "{contextid}",
        "component": "{component}",
        "filearea": "{filearea}",
        "itemid": "{itemid}",
        "filepath": "{filepath}",
        "filename": "{filename}",
        "userid": None,
        "filesize": "{filesize}",
        "mimetype": "{mimetype}",
        "status": 0,
        "timecreated": "{timestamp}",
        "timemodified": "{timestamp}",
        "source": None,
        "author": None,
        "license": None,
        "sortorder": "{sortorder}",
        "repositorytype": None,
        "repositoryid": None,
        "reference": None,
    },
    1,
    id="{id}",
).text


@dataclass
class FilePool:
    """All files of one backup; ids are handed out in the order files are added."""

    timestamp: int
    records: list[StoredFile] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)
    rows: list[Raw] = field(default_factory=list)  # each record's row of files.xml

    def area(self, contextid: int, component: str, filearea: str, itemid: int = 0) -> FileArea:
        return FileArea(self, contextid, component, filearea, itemid)

    def _add(self, area: FileArea, filepath: str, filename: str, data: bytes | None, mimetype: str | None, sortorder: int,
             source: str | None = None) -> StoredFile:
        if data is None:
            contenthash, size = EMPTY_SHA1, 0
        else:
            contenthash, size = hashlib.sha1(data).hexdigest(), len(data)
            self.blobs[contenthash] = data
        record = StoredFile(
            id=len(self.records) + 1,
            contenthash=contenthash,
            contextid=area.contextid,
            component=area.component,
            filearea=area.filearea,
            itemid=area.itemid,
            filepath=filepath,
            filename=filename,
            filesize=size,
            mimetype=mimetype,
            timestamp=self.timestamp,
            sortorder=sortorder,
            source=source,
        )
        self.records.append(record)
        self.rows.append(record.xml())
        return record

    def xml(self) -> bytes:
        return document(node("files", self.rows))

    def entries(self) -> dict[str, bytes]:
        """Archive entries of the content blobs."""
        return {f"files/{sha[:2]}/{sha}": data for sha, data in self.blobs.items()}

    # --- the build cache replays what an activity added (see :mod:`.reuse`) ---------------

    def since(self, mark: int) -> tuple | None:
        """The rows added after the first ``mark``, as plain data; None if one holds bytes
        that came from no course asset (they could not be read again)."""
        added = self.records[mark:]
        if any(r.source is None and r.filename != "." for r in added):
            return None
        return tuple((*astuple(r), row.text) for r, row in zip(added, self.rows[mark:]))

    def replay(self, rows: tuple, read: Callable[[str], bytes]) -> bool:
        """Adds again the rows :meth:`since` recorded, reading each asset with ``read``;
        False (and nothing added) when an asset no longer has the recorded bytes."""
        records = [StoredFile(*row[:-1]) for row in rows]
        if records and records[0].id != len(self.records) + 1:
            return False
        blobs = {}
        for record in records:
            if record.source is not None:
                try:
                    data = read(record.source)
                except OSError:
                    return False
                if len(data) != record.filesize or hashlib.sha1(data).hexdigest() != record.contenthash:
                    return False
                blobs[record.contenthash] = data
        self.records += records
        self.rows += (Raw(row[-1], 1) for row in rows)
        for sha, data in blobs.items():
            self.blobs.setdefault(sha, data)
        return True


@dataclass
class FileArea:
    """One file area (e.g. a page's ``mod_page/content``) and the file ids it references."""

    pool: FilePool
    contextid: int
    component: str
    filearea: str
    itemid: int
    ids: list[int] = field(default_factory=list)
    _paths: dict[str, StoredFile] = field(default_factory=dict)

    def add(self, path: str, data: bytes, mimetype: str | None, sortorder: int = 0, source: str | None = None) -> str:
        """Store ``data`` at ``path`` (relative, POSIX) once; returns its ``@@PLUGINFILE@@`` URL.
        ``source``: the course asset ``data`` was read from, if any."""
        if path not in self._paths:
            pure = PurePosixPath(path)
            folder = "/" if str(pure.parent) == "." else f"/{pure.parent}/"
            record = self.pool._add(self, folder, pure.name, data, mimetype, sortorder, source)
            self._paths[path] = record
            self.ids.append(record.id)
            self._directories(folder)
        return f"{PLUGINFILE}/{quote(path)}"

    def _directories(self, folder: str) -> None:
        parts = [p for p in folder.split("/") if p]
        for depth in range(len(parts) + 1):
            dirpath = "/" + "".join(f"{p}/" for p in parts[:depth])
            key = f"{dirpath}."
            if key not in self._paths:
                record = self.pool._add(self, dirpath, ".", None, None, 0)
                self._paths[key] = record
                self.ids.append(record.id)
