"""D4 base libraries: the legal-person and natural-person libraries, one subject one file."""
