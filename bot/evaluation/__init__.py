"""Evaluation: the Q&A set, the runner behind `bot eval`, pure scoring functions, the judge and reports."""
