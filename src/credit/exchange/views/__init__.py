"""Pages of the exchange (数据交换)."""
