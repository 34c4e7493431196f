"""Forms of credit reports: :mod:`.staff` (templates, the queue, reviews, the hall) and
:mod:`.portal` (the public's application, download and authorisations)."""
