"""Delivery channels: one module per channel behind the small contract in :mod:`monitor.channels.base`."""
