"""Pages of performance assessment (绩效考核) and data-quality reports (数据质量报告)."""
