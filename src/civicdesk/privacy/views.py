from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import render

from civicdesk.privacy import selectors
from civicdesk.privacy.chain import verify_chain
from civicdesk.privacy.models import AccessAction


@permission_required("privacy.view_accesslogentry", raise_exception=True)
def access_log(request):
    entries = selectors.access_log_for(request.user)
    action = request.GET.get("action", "")
    if action in AccessAction.values:
        entries = entries.filter(action=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "actions": AccessAction.choices,
        "selected_action": action,
        "chain": verify_chain() if request.GET.get("verify") else None,
    }
    return render(request, "privacy/access_log.html", context)
