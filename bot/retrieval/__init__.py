"""Retrieval: the Chroma-backed index (chunks, sentence vectors, document registry), BM25, language
centering and the fusion of their rankings into the passages a question gets."""
