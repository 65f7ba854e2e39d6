"""/api/collections and /api/documents: list, upload and delete documents, per collection, over the Bot."""
from __future__ import annotations

from typing import Callable

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool

from bot.apps.http import ApiError
from bot.errors import BotError, IndexBusy

COLLECTION = Query(None, description="the collection (default: store.collection); see GET /api/collections")


def pick(bot, name: str | None, must_exist: bool = True):
    """The Bot for a collection named in a request: a 400 for an unusable name, 404 for an unknown one."""
    try:
        chosen = bot.for_collection(name)
    except BotError as exc:
        raise ApiError(400, f"collection: {exc}") from None
    if must_exist and chosen is not bot and chosen.collection not in bot.collections():
        raise ApiError(404, f"no collection {name!r}: GET /api/collections lists them; uploading a document "
                            "to a new name creates it", "not_found_error", "collection_not_found")
    return chosen


def _doc(bot, rec) -> dict:
    return {"doc_id": rec.doc_id, "title": rec.title, "date": rec.date, "lang": rec.lang, "chunks": rec.chunks,
            "uploaded": bot.is_upload(rec)}


def documents_router(bot, authorized: Callable) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["documents"], dependencies=[Depends(authorized)])

    @router.get("/collections", summary="The collections with their sizes")
    def collections():
        return {"default": bot.collection, "collections": bot.collection_sizes()}

    @router.delete("/collections/{name}", summary="Delete a collection: its index and its uploaded files")
    def drop(name: str):
        pick(bot, name)
        try:
            bot.drop_collection(name)
        except IndexBusy as exc:
            raise ApiError(503, str(exc), "service_unavailable", "index_busy") from None
        except BotError as exc:
            raise ApiError(400, str(exc)) from None
        return {"deleted": name}

    @router.get("/documents", summary="The documents of a collection")
    def documents(collection: str | None = COLLECTION):
        chosen = pick(bot, collection)
        return {"collection": chosen.collection, "documents": [_doc(chosen, r) for r in chosen.documents()]}

    @router.post("/documents", summary="Upload files (multipart field `file`, one or more) and index them now")
    async def upload(collection: str | None = COLLECTION,
                     file: list[UploadFile] = File(..., min_length=1, description="PDF, DOCX, text or HTML")):
        chosen = pick(bot, collection, must_exist=False)  # an upload to a new name starts that collection
        results, busy = [], []
        limit = int(chosen.settings.ingest.max_file_mb * 1024 * 1024)
        for f in file:
            data = await f.read(limit + 1)  # no more than the cap in memory; save_upload refuses the extra byte
            try:
                summary = await run_in_threadpool(chosen.upload, f.filename or "", data)
            except BotError as exc:  # this file is refused; the others still go in
                results.append({"file": f.filename, "doc_id": None, "status": "refused", "reason": str(exc)})
                busy += [str(exc)] if isinstance(exc, IndexBusy) else []
                continue
            status = "replaced" if summary.replaced else "indexed"
            results.append({"file": f.filename, "doc_id": summary.doc_id, "status": status, "reason": None})
        if all(r["status"] == "refused" for r in results):
            if busy:  # nothing wrong with the files: another process was writing the index, try later
                raise ApiError(503, busy[0], "service_unavailable", "index_busy")
            raise ApiError(400, "no file was indexed: " + "; ".join(f"{r['file']}: {r['reason']}" for r in results))
        return {"collection": chosen.collection, "results": results}

    @router.delete("/documents/{doc_id:path}", summary="Delete an uploaded document (file and chunks)")
    def delete(doc_id: str, collection: str | None = COLLECTION):
        chosen = pick(bot, collection)
        if all(r.doc_id != doc_id for r in chosen.documents()):
            raise ApiError(404, f"no document {doc_id!r} in collection {chosen.collection!r}: GET /api/documents "
                                "lists them", "not_found_error", "document_not_found")
        try:
            chosen.delete_document(doc_id)
        except IndexBusy as exc:
            raise ApiError(503, str(exc), "service_unavailable", "index_busy") from None
        except BotError as exc:  # a corpus folder's file: the user's to delete
            raise ApiError(409, str(exc), code="not_uploaded") from None
        return {"deleted": doc_id, "collection": chosen.collection}

    return router
