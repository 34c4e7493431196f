"""Catalog pages: browsing the catalog (:mod:`.items`) and the credit office's editor
(:mod:`.editor`)."""
