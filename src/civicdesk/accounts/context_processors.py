from civicdesk.accounts import navigation
from civicdesk.core.models import Municipality


def shell(request):
    """What the base template needs on every page: municipality, navigation."""
    user = getattr(request, "user", None)
    municipality = None
    if user is not None and user.is_authenticated and user.municipality_id:
        municipality = user.municipality
    if municipality is None:
        municipality = Municipality.objects.default()
    return {
        "shell_municipality": municipality,
        "shell_nav": navigation.items_for(user) if user is not None else [],
    }
