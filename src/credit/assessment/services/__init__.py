"""Writes of performance assessment: rubrics, assessments, quality reports."""
