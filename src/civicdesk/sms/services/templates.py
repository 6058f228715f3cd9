"""SMS templates (本文テンプレート, issue 6 §2): saving one, and its preview on sample data.

A template is checked whole when it is saved, and every problem is named at once:
- a name, unique in the municipality; a revenue type the user works on; a body;
- only known {変数} (rendering.VARIABLES);
- {氏名}{未納額}{納期限} only when the template allows personal values, and then only those
  the field policy lets the phone work (``calls``) show for the revenue type;
- allowing personal values is municipal staff's decision (``sms.allow_personal_values``);
- the longest message it can become (rendering.WORST_CASE for personal values, the center's
  real contact text and hours) fits settings.SMS_MAX_CHARACTERS, counted as the network
  counts (segments.count_segments: septets for GSM-7, UTF-16 units for UCS-2).

The preview runs the same body checks without saving, so the page can show them while the
user types. A template holds no personal data: the access log records that it was made or
changed (field ``sms_template``), never a value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.calendar import TOKYO, CalendarError
from civicdesk.core.choices import RevenueType
from civicdesk.core.models import Municipality
from civicdesk.dunning.services.letter_documents import hours_summary
from civicdesk.privacy.field_policy import allowed_fields
from civicdesk.registry.selectors import scope_for
from civicdesk.sms import rendering
from civicdesk.sms.models import SmsTemplate
from civicdesk.sms.segments import SegmentCount, count_segments
from civicdesk.sms.selectors import templates as selectors

NAME_MAX_LENGTH = SmsTemplate._meta.get_field("name").max_length
ALLOW_LABEL = SmsTemplate._meta.get_field("allows_personal_values").verbose_name
LOG_FIELDS = ["sms_template"]


class _Errors(dict):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


@dataclass(frozen=True)
class Preview:
    """A body rendered with the sample values, its length, and the longest it can become."""

    text: str
    sample: SegmentCount
    worst_case: SegmentCount
    maximum: int
    problems: list[str] = field(default_factory=list)

    @property
    def over_maximum(self) -> bool:
        return self.worst_case.characters > self.maximum


# --- Public use cases ------------------------------------------------------------------------


def save_sms_template(
    *,
    acting_user,
    template: SmsTemplate | None = None,
    name: str,
    revenue_type: str,
    body: str,
    allows_personal_values: bool,
    is_active: bool = True,
) -> SmsTemplate:
    """Create (``template`` None) or change a template; one ValidationError names every
    problem (field → Japanese messages) and nothing is written."""
    _check_permission(acting_user, template)
    municipality = _municipality(acting_user)
    name = (name or "").strip()
    body = (body or "").strip()
    with transaction.atomic():
        stored = _locked(template, municipality)
        errors = _Errors()
        _check_name(errors, municipality, name, stored)
        _check_revenue_type(errors, acting_user, revenue_type)
        _check_allowing(errors, acting_user, stored, revenue_type, body, allows_personal_values)
        _check_body(
            errors,
            municipality=municipality,
            body=body,
            revenue_type=revenue_type,
            allows_personal_values=allows_personal_values,
            today=timezone.localdate(timezone.now(), TOKYO),
        )
        if errors:
            raise ValidationError(dict(errors))
        return _write(
            acting_user,
            stored or SmsTemplate(municipality=municipality, created_by=acting_user),
            name=name,
            revenue_type=revenue_type,
            body=body,
            allows_personal_values=allows_personal_values,
            is_active=is_active,
        )


def preview_sms_template(
    *,
    municipality: Municipality,
    body: str,
    revenue_type: str,
    allows_personal_values: bool,
    today: dt.date | None = None,
) -> Preview:
    """The body with the sample values (rendering.SAMPLE and the center's real contact text
    and hours), its count, the worst case's count and every problem of the body — also for
    an invalid body, so that the page can show them while the user types."""
    today = today or timezone.localdate(timezone.now(), TOKYO)
    body = (body or "").strip()
    errors = _Errors()
    center = _check_body(
        errors,
        municipality=municipality,
        body=body,
        revenue_type=revenue_type,
        allows_personal_values=allows_personal_values,
        today=today,
    )
    text = rendering.render(body, {**rendering.SAMPLE, **center})
    return Preview(
        text=text,
        sample=count_segments(text),
        worst_case=count_segments(rendering.render(body, {**rendering.WORST_CASE, **center})),
        maximum=settings.SMS_MAX_CHARACTERS,
        problems=[message for messages in errors.values() for message in messages],
    )


def sample_counts(
    *, municipality: Municipality, templates, today: dt.date | None = None
) -> dict[int, SegmentCount]:
    """template id → the count of its sample rendering (the list page's 分割数 column); the
    center's values are looked up once for all of them."""
    today = today or timezone.localdate(timezone.now(), TOKYO)
    center = _center_values(_Errors(), municipality, list(rendering.VARIABLES), today)
    return {
        template.pk: count_segments(rendering.render(template.body, {**rendering.SAMPLE, **center}))
        for template in templates
    }


# --- The body's checks (shared by saving and the preview) -----------------------------------


def _check_body(
    errors: _Errors,
    *,
    municipality: Municipality,
    body: str,
    revenue_type: str,
    allows_personal_values: bool,
    today: dt.date,
) -> dict[str, str]:
    """Add the body's problems to ``errors``; return the center's values it uses."""
    if not body:
        errors.add("body", "本文を入力してください。")
        return {}
    used = _variables(errors, body)
    personal = [name for name in used if name in rendering.PERSONAL_FIELDS]
    if personal and not allows_personal_values:
        for name in personal:
            errors.add(
                "body",
                f"{{{name}}}（{rendering.VARIABLES[name]}）は使えません: このテンプレートは"
                f"「{ALLOW_LABEL}」が許可されていません。",
            )
    elif personal and revenue_type in RevenueType.values:
        _check_field_policy(errors, revenue_type, personal)
    center = _center_values(errors, municipality, used, today)
    _check_length(errors, body, center)
    return center


def _center_values(
    errors: _Errors, municipality: Municipality, used: list[str], today: dt.date
) -> dict[str, str]:
    """{問合せ先} and {受付時間} as the messages will show them (only those the body uses:
    the calendar is not asked for a body without hours)."""
    values: dict[str, str] = {}
    if rendering.CONTACT in used:
        values[rendering.CONTACT] = rendering.contact_text(municipality)
        if not values[rendering.CONTACT]:
            errors.add(
                "body",
                f"{{{rendering.CONTACT}}}: 納付案内センターの名称・電話番号が登録されていません"
                "（管理画面の自治体で登録してください）。",
            )
    if rendering.HOURS in used:
        values[rendering.HOURS] = _hours(errors, municipality, today)
    return values


def _variables(errors: _Errors, body: str) -> list[str]:
    try:
        return rendering.variables_in(body)
    except rendering.TemplateSyntaxProblem as problem:
        errors.add("body", str(problem))
    # The known ones are still checked, so that one save names every problem.
    return [name for name in rendering.VARIABLES if "{" + name + "}" in body]


def _check_field_policy(errors: _Errors, revenue_type: str, personal: list[str]) -> None:
    """SMS is part of the phone work (seed 002): the ``calls`` purpose decides."""
    allowed = allowed_fields(revenue_type, "calls")
    label = RevenueType(revenue_type).label
    for name in personal:
        if rendering.PERSONAL_FIELDS[name] not in allowed:
            errors.add(
                "body",
                f"{{{name}}}は使えません: {label}の個人情報の取扱い方針（電話催告）では"
                f"{name}を扱えません。",
            )


def _hours(errors: _Errors, municipality: Municipality, today: dt.date) -> str:
    try:
        text = hours_summary(municipality, today)
    except CalendarError as error:
        errors.add("body", f"{{{rendering.HOURS}}}は使えません: {error}")
        return ""
    if not text:
        errors.add(
            "body", f"{{{rendering.HOURS}}}: 電話催告の業務カレンダーに今後の受付日がありません。"
        )
    return text


def _check_length(errors: _Errors, body: str, center: dict[str, str]) -> None:
    """The longest message the template can become must fit the maximum: a message that
    would not is refused now, not found out while a batch is sent."""
    maximum = settings.SMS_MAX_CHARACTERS
    worst = count_segments(rendering.render(body, {**rendering.WORST_CASE, **center}))
    if worst.characters > maximum:
        errors.add(
            "body",
            f"本文が長すぎます: 最も長くなる場合 {worst.characters:,} 文字（{worst.encoding}・"
            f"{worst.segments} 通に分割）で、上限の {maximum:,} 文字を超えます。",
        )


# --- The template's own checks ---------------------------------------------------------------


def _check_permission(acting_user, template: SmsTemplate | None) -> None:
    allowed = (
        selectors.may_add_templates(acting_user)
        if template is None
        else selectors.may_edit_templates(acting_user)
    )
    if not allowed:
        raise PermissionDenied("SMS 本文テンプレートを登録・変更する権限がありません。")


def _municipality(acting_user) -> Municipality:
    municipality = Municipality.objects.for_user(acting_user)
    if municipality is None:
        raise ValidationError({"__all__": ["自治体が登録されていません。"]})
    return municipality


def _locked(template: SmsTemplate | None, municipality: Municipality) -> SmsTemplate | None:
    """The stored row, locked: what it allowed before is read from the database, not from
    the form (nor from an object another request changed meanwhile)."""
    if template is None:
        return None
    stored = SmsTemplate.objects.select_for_update().filter(pk=template.pk).first()
    if stored is None or stored.municipality_id != municipality.pk:
        raise PermissionDenied("このテンプレートは変更できません。")
    return stored


def _check_name(errors: _Errors, municipality, name: str, stored: SmsTemplate | None) -> None:
    if not name:
        errors.add("name", "テンプレート名を入力してください。")
        return
    if len(name) > NAME_MAX_LENGTH:
        errors.add("name", f"テンプレート名は {NAME_MAX_LENGTH} 文字以内にしてください。")
    same = SmsTemplate.objects.filter(municipality=municipality, name=name)
    if stored is not None:
        same = same.exclude(pk=stored.pk)
    if same.exists():
        errors.add("name", _name_taken(name))


def _name_taken(name: str) -> str:
    return f"テンプレート名「{name}」はすでにあります。別の名前にしてください。"


def _check_revenue_type(errors: _Errors, acting_user, revenue_type: str) -> None:
    if revenue_type not in RevenueType.values:
        errors.add("revenue_type", "税目を選んでください。")
        return
    scope = scope_for(acting_user)
    if scope is None or revenue_type not in scope.revenue_types:
        errors.add("revenue_type", "税目: 担当の税目・保険料ではありません。")


def _check_allowing(
    errors: _Errors, acting_user, stored, revenue_type: str, body: str, allows: bool
) -> None:
    """Staff allow personal values: turning it on, and changing the text or the revenue type
    of a template that has it on (else an allowed template could be given a new text).
    Renaming, (de)activating and turning it off are the center's to do."""
    if not allows or selectors.may_allow_personal_values(acting_user):
        return
    unchanged = (
        stored is not None
        and stored.allows_personal_values
        and stored.body == body
        and stored.revenue_type == revenue_type
    )
    if not unchanged:
        errors.add(
            "allows_personal_values",
            f"「{ALLOW_LABEL}」は自治体の職員（区職員・市職員）が許可します。"
            "許可されたテンプレートの本文・税目の変更も職員が行います。",
        )


def _write(acting_user, template: SmsTemplate, **values) -> SmsTemplate:
    creating = template.pk is None
    for name, value in values.items():
        setattr(template, name, value)
    template.updated_by = acting_user
    try:
        with transaction.atomic():  # a savepoint: a name taken meanwhile is a field error
            template.save()
    except IntegrityError:
        raise ValidationError({"name": [_name_taken(template.name)]}) from None
    record_access(
        acting_user=acting_user,
        action=AccessAction.CREATE if creating else AccessAction.CHANGE,
        obj=template,
        fields=LOG_FIELDS,
        reason=f"SMS 本文テンプレート「{template.name}」を{'登録' if creating else '変更'}",
    )
    return template
