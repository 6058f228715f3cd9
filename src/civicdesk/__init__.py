"""CivicDesk: resident-contact work for Japanese municipalities."""

__version__ = "0.1.0"
