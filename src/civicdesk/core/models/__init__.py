from civicdesk.core.models.calendar import *  # noqa: F403  (calendar models: see its __all__)
from civicdesk.core.models.municipality import Municipality
from civicdesk.core.models.security import ApiToken, Integration, RateCounter

__all__ = ["ApiToken", "Integration", "Municipality", "RateCounter"]
