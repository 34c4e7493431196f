"""Joint reward and punishment (联合奖惩): the lists in force and their management, the measures
catalogue, checks and their certificates, measure feedback (change feed and push: credit.events)."""
