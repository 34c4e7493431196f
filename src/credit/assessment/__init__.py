"""Performance assessment (绩效考核, A5) and data-quality reports (数据质量报告, D6).

- **Rubric** (考核细则) as data, versioned per year: a tree of indicators with points, bonus and
  deduction items, monitoring points and each indicator's scoring method — automatic (a
  named platform metric and a formula) or manual (a unit's self-score with evidence, then the
  credit office's score).
- **Metrics** (:mod:`credit.assessment.metrics`): what the platform measures of a unit over a
  period from its own tables, each with a definition and an export of the rows it counted.
- **Assessments** (考核): a period's round for every department and district — opened,
  computed, self-scored, reviewed and published with the rankings; a district runs the same
  machinery on its own data as its self-check (自评检查) with a rubric of its own.
- **Quality reports**: a monthly PDF and Excel report per department, per district and for
  the city.
"""
