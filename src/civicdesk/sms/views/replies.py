"""The SMS replies page (返信): what people texted back, newest first, with the person's case
page and the call-back task. It shows numbers and texts: every view that shows any is logged.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.sms.selectors import replies as selectors


@never_cache
@require_http_methods(["GET"])
def replies(request):
    if not selectors.may_view_replies(request.user):
        raise PermissionDenied("SMS の返信を閲覧する権限がありません。")
    listing = selectors.reply_list(request.user)
    if listing.rows:
        record_access(
            acting_user=request.user,
            action=AccessAction.VIEW,
            fields=listing.fields_shown,
            reason=f"SMS 返信一覧（{len(listing.rows)}件）",
        )
    return render(request, "sms/replies/list.html", {"listing": listing})
