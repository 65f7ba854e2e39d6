"""Finds the files to ingest under the corpus folders, and says which folders could not be read.

A folder that cannot be listed (no permission, a link to an unmounted drive) tells nothing about the files
in it: the ingest keeps their indexed documents instead of deleting them. Links that lead out of the
corpus folders are not followed unless the config says so: a link to /etc/passwd must not become a source.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import BotError


@dataclass
class Listing:
    files: list[tuple[Path, Path]] = field(default_factory=list)  # (corpus folder, file), sorted
    unread: list[tuple[Path, str]] = field(default_factory=list)  # (corpus folder, relative path) not listed
    skipped: list[str] = field(default_factory=list)  # "path: why" for entries passed over on purpose
    warnings: list[str] = field(default_factory=list)  # "path: why" for folders that could not be read

    def keeps(self, corpus: Path, doc_id: str) -> bool:
        """Whether a document that was not found lies under a path that could not be read."""
        return any(c == corpus and (not rel or doc_id == rel or doc_id.startswith(rel + "/"))
                   for c, rel in self.unread)


def _inside(target: Path, roots: list[Path]) -> bool:
    return any(target == r or target.is_relative_to(r) for r in roots)


def _walk_folder(root: Path, real_roots: list[Path], exts: set[str], follow: bool, out: Listing) -> None:
    visited: set[str] = set()
    stack = [Path(root)]
    while stack:
        folder = stack.pop()
        rel_folder = folder.relative_to(root).as_posix() if folder != root else ""
        try:
            real = os.path.realpath(folder)
            if real in visited:  # a link back to a folder already read: no loops, no duplicates
                continue
            visited.add(real)
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            out.unread.append((root, rel_folder))
            out.warnings.append(f"{folder}: folder could not be read ({exc.strerror or exc}); the documents "
                                f"indexed from it are kept")
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            rel = path.relative_to(root).as_posix()
            if entry.is_symlink():
                target = Path(os.path.realpath(path))
                if not follow and not _inside(target, real_roots):
                    if path.suffix.lower() in exts or not target.is_file():  # a folder, or nothing there now
                        out.skipped.append(f"{path}: a link out of the corpus folders (to {target}); set "
                                           f"ingest.follow_symlinks = true to read it")
                    continue
            try:
                mode = os.stat(path).st_mode  # follows links: what the entry is in the end
            except OSError as exc:  # a broken link or a loop: a folder or file we cannot see right now
                out.unread.append((root, rel))
                out.warnings.append(f"{path}: could not be read ({exc.strerror or exc}); the documents indexed "
                                    f"from it are kept")
                continue
            if stat.S_ISDIR(mode):
                subfolders.append(path)
            elif path.suffix.lower() in exts:
                if stat.S_ISREG(mode):
                    out.files.append((root, path))
                else:  # a FIFO would block the reader forever; a device is no document
                    out.skipped.append(f"{path}: not a regular file")
        stack.extend(reversed(subfolders))


def find_files(roots: list[Path], extensions: tuple[str, ...], follow_symlinks: bool = False,
               indexed: set[Path] | frozenset = frozenset()) -> Listing:
    """The files to ingest under the given folders (or the given files), hidden ones left out.

    A folder that is gone is an error, unless documents were indexed from it (`indexed`): then it is most
    likely a drive not mounted now, and it is reported like a folder that could not be read."""
    out = Listing()
    exts = {e.lower() for e in extensions}
    real_roots = [Path(os.path.realpath(r)) for r in roots]
    for root in roots:
        if not root.exists():
            if root not in indexed:
                raise BotError(f"{root} does not exist: give an existing folder or file to ingest")
            out.unread.append((root, ""))
            out.warnings.append(f"{root}: folder not found (a drive not mounted?); the documents indexed from it "
                                f"are kept")
            continue
        if root.is_file():
            out.files.append((root.parent, root))
        else:
            _walk_folder(root, real_roots, exts, follow_symlinks, out)
    out.files.sort(key=lambda cf: cf[1])
    return out
