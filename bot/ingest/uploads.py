"""Files users upload through the API or the chat: checked, then kept in the collection's uploads folder.

The folder is part of the collection's corpus, so the ordinary incremental ingest indexes an upload, and a
later ingest keeps it; deleting the document deletes its file, or the next ingest would bring it back.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bot.config import Settings
from bot.errors import BotError


NAME_MAX = 255


def upload_name(filename: str, settings: Settings) -> str:
    """The file name an upload is stored under: its last path part, with an extension the ingest reads."""
    name = Path(str(filename or "").replace("\\", "/")).name.strip()  # never a path: no "../" and no folders
    if not name or name.startswith("."):
        raise BotError(f"upload name {filename!r} is not a file name: give the file a name like report.pdf")
    if len(os.fsencode(name)) > NAME_MAX:  # the file system's limit on one name (ext4, APFS, NTFS: 255)
        raise BotError(f"the file name is {len(os.fsencode(name))} bytes long, more than {NAME_MAX}: rename the "
                       "file and upload it again")
    if Path(name).suffix.lower() not in settings.corpus.extensions:
        raise BotError(f"files of this type are not read; upload one of "
                       f"{', '.join(settings.corpus.extensions)}")
    return name


def save_upload(settings: Settings, filename: str, data: bytes) -> Path:
    """Write an upload into the uploads folder whole or not at all (an interrupted write leaves no half file)."""
    name = upload_name(filename, settings)
    limit = settings.ingest.max_file_mb
    if len(data) > limit * 1024 * 1024:
        raise BotError(f"the file is larger than the limit of {limit:g} MB (ingest.max_file_mb): split it, or "
                       "raise the limit")
    folder = settings.uploads_path
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return folder / name


def uploaded_file(settings: Settings, doc_id: str, corpus: str) -> Path | None:
    """The uploaded file behind an indexed document, or None when it came from a configured corpus folder."""
    folder = settings.uploads_path.resolve()
    if Path(corpus).resolve() != folder:
        return None
    path = (folder / doc_id).resolve()
    return path if path.parent == folder else None
