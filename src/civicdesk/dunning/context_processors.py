"""What the page shell needs from the dunning center: where to ask for waiting inbound calls."""

from django.urls import reverse

from civicdesk.accounts.navigation import items_for

INBOUND_PAGE = "dunning:inbound"


def shell(request):
    """The banner's URL for users whose menu has 受電, except on the 受電 page (it lists them).

    Decided from the navigation, like the menu itself: no query on every page.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if INBOUND_PAGE not in {item.url_name for item in items_for(user)}:
        return {}
    if request.path.startswith(reverse(INBOUND_PAGE)):
        return {}
    return {"shell_inbound_banner_url": reverse("dunning:inbound_banner")}
