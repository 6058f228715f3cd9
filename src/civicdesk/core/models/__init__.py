from civicdesk.core.models.calendar import *  # noqa: F403  (calendar models: see its __all__)
from civicdesk.core.models.municipality import Municipality

__all__ = ["Municipality"]
