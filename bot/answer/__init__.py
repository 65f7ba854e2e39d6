"""Answering: prompt files and the prompt that fits the context window, [n] markers and the citations
they resolve to."""
