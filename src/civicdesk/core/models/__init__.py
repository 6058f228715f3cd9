from civicdesk.core.models.municipality import Municipality

__all__ = ["Municipality"]
