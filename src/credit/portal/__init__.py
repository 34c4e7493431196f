"""The "信用常州" public portal (门户网站, P2): search, subject pages, 双公示 and list publicity
with their exports, public data only; and the staff pages that manage the portal's notices."""
