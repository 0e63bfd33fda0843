"""Scoring briefs against reference briefs: the metric (also an `evaluate` module) and the run."""
