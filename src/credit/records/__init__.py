"""Credit records of every catalog item, with their publicity dates and status (D5.1 storage)."""
