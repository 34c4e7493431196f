"""Pages of joint reward and punishment: measures (:mod:`.measures`), checks and feedback
(:mod:`.checks`), list management (:mod:`.lists`), the public certificate (:mod:`.public`)."""
