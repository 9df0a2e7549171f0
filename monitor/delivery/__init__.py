"""Delivery: the outbox is filled before any network I/O, then deliverers send what is due."""
