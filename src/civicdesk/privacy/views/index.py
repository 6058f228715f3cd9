from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from civicdesk.accounts.navigation import privacy_items_for
from civicdesk.audit.chain import verify_chain
from civicdesk.audit.models import AccessAction
from civicdesk.privacy import selectors


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


def index(request):
    """個人情報管理: the privacy pages this role may open, on one page instead of the menu."""
    items = privacy_items_for(request.user)
    if not items:
        raise PermissionDenied("個人情報管理のページを開く権限がありません。")
    return render(request, "privacy/index.html", {"items": items})
