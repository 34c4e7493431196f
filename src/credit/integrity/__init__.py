"""Government integrity (政务诚信, A1, D5.3): the civil servants' integrity archive (公务员诚信档案,
one person one file) with its score, the government dishonesty records (政务失信记录) and the
红黑榜, the annual collection tasks, and the unified revocation of reported records."""
