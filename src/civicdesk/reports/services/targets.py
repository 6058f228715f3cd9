"""The yearly targets (予定件数, seed 000 §16) as municipal staff set them.

Staff decide the numbers the contractor is measured against (DESIGN rule 6), so only they
change them; every change is logged with the old and the new count.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.japanese import fiscal_year_label
from civicdesk.core.models import Municipality
from civicdesk.reports.models import Target
from civicdesk.reports.services import reports as services

CHANGE_TARGETS = "reports.change_target"
ADD_TARGETS = "reports.add_target"
COUNT_MAX = 9_999_999
FIRST_YEAR, LAST_YEAR = 2000, 2099


def _municipality(acting_user, permission: str, fiscal_year: int) -> Municipality:
    if not (getattr(acting_user, "is_authenticated", False) and acting_user.has_perm(permission)):
        raise PermissionDenied("予定件数を変更する権限がありません。")
    if (
        isinstance(fiscal_year, bool)
        or not isinstance(fiscal_year, int)
        or not (FIRST_YEAR <= fiscal_year <= LAST_YEAR)
    ):
        raise ValidationError({"fiscal_year": ["年度が正しくありません。"]})
    municipality = Municipality.objects.for_user(acting_user)
    if municipality is None:
        raise ValidationError({"__all__": ["自治体が登録されていません。"]})
    return municipality


def _count_error(value) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= COUNT_MAX:
        return f"予定件数は 0 以上 {COUNT_MAX:,} 以下の整数で入力してください。"
    return None


def save_targets(*, acting_user, fiscal_year: int, counts: dict[int, int]) -> list[Target]:
    """Set the counts of target lines of the fiscal year ({target pk: count}); all or none.

    Errors are keyed by the target's pk (as text), or "__all__". Returns the lines changed.
    """
    municipality = _municipality(acting_user, CHANGE_TARGETS, fiscal_year)
    if not counts:
        raise ValidationError({"__all__": ["予定件数が入力されていません。"]})
    errors = {str(pk): [message] for pk, value in counts.items()
              if (message := _count_error(value))}  # fmt: skip
    with transaction.atomic():
        targets = {
            target.pk: target
            for target in Target.objects.select_for_update().filter(
                municipality=municipality, fiscal_year=fiscal_year, pk__in=list(counts)
            )
        }
        if set(counts) - set(targets):
            errors.setdefault("__all__", []).append(
                f"{fiscal_year_label(fiscal_year)}の予定件数ではない行が含まれています。"
                "画面を開き直してください。"
            )
        if errors:
            raise ValidationError(errors)
        changed = [target for pk, target in targets.items() if target.count != counts[pk]]
        for target in changed:
            old, target.count = target.count, counts[target.pk]
            target.save(update_fields=["count"])
            record_access(
                acting_user=acting_user,
                action=AccessAction.CHANGE,
                obj=target,
                fields=["count"],
                reason=f"予定件数の変更（{target}: {old:,} → {target.count:,}）",
            )
    return changed


def create_contract_targets(*, acting_user, fiscal_year: int) -> list[Target]:
    """The contract's lines and counts (seed 000 §16) for a fiscal year without targets yet;
    staff then adjust the counts. Lines that exist are kept as they are."""
    municipality = _municipality(acting_user, ADD_TARGETS, fiscal_year)
    with transaction.atomic():
        made = services.create_demo_targets(municipality=municipality, fiscal_year=fiscal_year)
        for target in made:
            record_access(
                acting_user=acting_user,
                action=AccessAction.CREATE,
                obj=target,
                fields=["count"],
                reason=f"予定件数の登録（仕様書の件数: {target.count:,}）",
            )
    return made
