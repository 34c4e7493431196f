"""Writes of government integrity, by topic: ``scoring`` (recompute the score), ``archive``
(civil servants from their basic-information records), ``collection`` (the annual collection
tasks), ``revocation`` (统一撤销) and ``rules`` (score rule versions and 红黑榜 rules)."""
