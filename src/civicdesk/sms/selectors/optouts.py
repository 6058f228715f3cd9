"""Read queries of opt-outs (受信拒否): who may see and change them, the list and its search,
and whether a number is opted out.

Supervisors and staff add and remove opt-outs; inspectors read the list; operators, visitors
and the administrator see none. Only the user's own municipality's opt-outs are ever returned.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db.models import QuerySet

from civicdesk.core.japanese import normalize_phone
from civicdesk.core.models import Municipality
from civicdesk.sms.models import OptOut

VIEW_OPT_OUT = "sms.view_optout"
ADD_OPT_OUT = "sms.add_optout"
DELETE_OPT_OUT = "sms.delete_optout"
LIST_LIMIT = 200
# A search by part of a number needs this many digits (fewer would match most of the list).
MIN_SEARCH_DIGITS = 4


def _has(user, permission: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(permission))


def may_view_opt_outs(user) -> bool:
    return _has(user, VIEW_OPT_OUT)


def may_change_opt_outs(user) -> bool:
    """Adding and removing go together: whoever may record a refusal may correct it."""
    return _has(user, ADD_OPT_OUT) and _has(user, DELETE_OPT_OUT)


def opt_outs_for(user) -> QuerySet[OptOut]:
    if not may_view_opt_outs(user):
        return OptOut.objects.none()
    municipality_id = Municipality.objects.id_for_user(user)
    return OptOut.objects.filter(municipality_id=municipality_id).select_related("created_by")


def is_opted_out(municipality_id: int | None, number: str) -> bool:
    """Whether the number (any notation) is opted out in the municipality; an invalid number
    is not (it can receive nothing anyway)."""
    try:
        e164 = normalize_phone(number)
    except ValueError:
        return False
    return OptOut.objects.filter(municipality_id=municipality_id, number=e164).exists()


@dataclass(frozen=True)
class OptOutList:
    rows: list[OptOut]
    count: int
    query: str
    error: str  # why the query could not be used ("" when it could)

    @property
    def truncated(self) -> bool:
        return self.count > len(self.rows)


def search_opt_outs(user, query: str = "") -> OptOutList:
    """Newest first; ``query``: a whole number in any notation (exact), or at least four of
    its digits (part of the number)."""
    opt_outs = opt_outs_for(user)
    query = (query or "").strip()
    error = ""
    if query:
        opt_outs, error = _matching(opt_outs, query)
    count = opt_outs.count()
    return OptOutList(list(opt_outs[:LIST_LIMIT]), count, query, error)


def _matching(opt_outs: QuerySet[OptOut], query: str) -> tuple[QuerySet[OptOut], str]:
    try:
        return opt_outs.filter(number=normalize_phone(query)), ""
    except ValueError:
        pass
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", query))
    if len(digits) < MIN_SEARCH_DIGITS:
        message = f"電話番号を {MIN_SEARCH_DIGITS} 桁以上の数字で入力してください。"
        return opt_outs.none(), message
    # E.164 drops the trunk 0: 090-1234 is searched as 901234 within +81901234….
    return opt_outs.filter(number__contains=digits.lstrip("0") or digits), ""
