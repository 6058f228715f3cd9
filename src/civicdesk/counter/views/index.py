"""窓口業務: the counter pages this role may open that its menu does not show."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from civicdesk.accounts.navigation import counter_items_for


def index(request):
    items = counter_items_for(request.user)
    if not items:
        raise PermissionDenied("窓口業務のページを開く権限がありません。")
    return render(request, "counter/index.html", {"items": items})
