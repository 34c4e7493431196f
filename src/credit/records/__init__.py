"""D5.1 storage of credit records (信用记录) of every catalog item: one record per natural key with
its versions, publicity period (公示期) and status, and the change feed of list entries."""
