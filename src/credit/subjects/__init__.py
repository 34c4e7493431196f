"""D4 base libraries (基础库): legal persons (法人, with their old and new codes) and natural
persons (自然人), one subject one file; their staff pages, look-up API and embedded query (S2)."""
