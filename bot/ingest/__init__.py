"""Ingest: read files, clean them into text with metadata, chunk, embed and commit them to the index."""
