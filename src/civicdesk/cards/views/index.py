"""カード交付業務: the card pages this role may open."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from civicdesk.accounts.navigation import card_items_for


def index(request):
    items = card_items_for(request.user)
    if not items:
        raise PermissionDenied("カード交付業務のページを開く権限がありません。")
    return render(request, "cards/index.html", {"items": items})
