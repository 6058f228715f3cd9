"""Files that leave the system: layouts (contacts) and the generic CSV/xlsx writers."""
