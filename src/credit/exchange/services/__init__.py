"""Writes of the exchange: partners and channels, runs, deliveries."""
