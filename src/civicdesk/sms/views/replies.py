"""The SMS replies page (返信): what people texted back, newest first, with the person's case
page and the call-back task. It shows numbers and texts: every view that shows any is logged.
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from civicdesk.audit.shortcuts import log_view
from civicdesk.core.http import require
from civicdesk.sms.selectors import replies as selectors


@never_cache
@require_http_methods(["GET"])
@require(selectors.may_view_replies, message="SMS の返信を閲覧する権限がありません。")
def replies(request):
    listing = selectors.reply_list(request.user)
    if listing.rows:
        log_view(
            request, fields=listing.fields_shown, reason=f"SMS 返信一覧（{len(listing.rows)}件）"
        )
    return render(request, "sms/replies/list.html", {"listing": listing})
