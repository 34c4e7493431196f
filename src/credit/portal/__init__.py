"""The "信用常州" public portal (P2): search, subject pages and publicity, public data only."""
