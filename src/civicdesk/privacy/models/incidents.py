"""Incidents and the semi-annual privacy report (issue 8 §5)."""
