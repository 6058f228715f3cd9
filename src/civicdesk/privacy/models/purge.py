"""Purge plans and certificates (issue 8 §4). Owned by the purge work."""
