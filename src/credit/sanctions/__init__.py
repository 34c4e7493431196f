"""D5.2 joint reward and punishment: list entries, measures, checks and their feedback (S3)."""
