"""The SMS provider's webhook: ``POST /api/sms/receipts`` — delivery receipts and replies.

Not a browser session: no cookies, no CSRF, no sign-in page. The provider signs every request:
``X-CivicDesk-Timestamp: <Unix seconds>`` and ``X-CivicDesk-Signature: sha256=<hex>``, the hex
HMAC-SHA256 of ``timestamp + "." + body`` (the raw bytes) with settings.SMS_WEBHOOK_SECRET.
A timestamp more than five minutes from now is refused, so a captured request cannot be played
again later; the same request within those minutes changes nothing (services.receipts is
idempotent). The whole body is checked before anything is applied; the answer carries counts
only — no number, no text, no name.

The signature is what the provider must send (its standard, and it covers the body). A request
may besides carry ``Authorization: Bearer <token>``: then the token must be an active one of
the sms_receipts integration (``civicdesk api-token create --integration sms_receipts``), so a
provider that can send a header can be cut off by revoking its token alone.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import APIException, AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import APIView

from civicdesk.core.api import ErrorSerializer, StrictCharField
from civicdesk.core.api_tokens import IntegrationScope, bearer_token, find_active_token
from civicdesk.core.models import Integration, Municipality
from civicdesk.sms.choices import ReceiptStatus
from civicdesk.sms.models import SmsMessage, SmsReply
from civicdesk.sms.services.receipts import MAX_EVENTS, apply_receipts

TIMESTAMP_HEADER = "X-CivicDesk-Timestamp"
SIGNATURE_HEADER = "X-CivicDesk-Signature"
SIGNATURE_PREFIX = "sha256="
MAX_SKEW_SECONDS = 300
REPLY_TEXT_MAX = 5000


def signature_for(secret: str, timestamp: str, body: bytes) -> str:
    """The header value a provider sends: ``sha256=<hex HMAC-SHA256(secret, ts + "." + body)>``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + digest.hexdigest()


class NotConfigured(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = (
        "SMS 配信結果の署名鍵（CIVICDESK_SMS_WEBHOOK_SECRET）が設定されていないため、"
        "受け付けられません。"
    )
    default_code = "not_configured"


class SmsSignatureAuthentication(BaseAuthentication):
    """The provider's HMAC signature over timestamp and body (module docstring)."""

    def authenticate(self, request):
        secret = getattr(settings, "SMS_WEBHOOK_SECRET", None)
        if not secret:
            raise NotConfigured
        timestamp = request.headers.get(TIMESTAMP_HEADER, "").strip()
        given = request.headers.get(SIGNATURE_HEADER, "").strip().lower()
        if not timestamp or not given:
            raise AuthenticationFailed(
                f"{TIMESTAMP_HEADER} と {SIGNATURE_HEADER} を指定してください。"
            )
        if not timestamp.isdigit():
            raise AuthenticationFailed(f"{TIMESTAMP_HEADER} は Unix 時刻（秒）で指定してください。")
        if abs(time.time() - int(timestamp)) > MAX_SKEW_SECONDS:
            raise AuthenticationFailed(
                f"{TIMESTAMP_HEADER} が現在時刻から {MAX_SKEW_SECONDS} 秒以上ずれています"
                "（再送された古い要求は受け付けません）。"
            )
        # The raw bytes, as signed: read before the JSON parser (DRF keeps them for it).
        expected = signature_for(secret, timestamp, request._request.body)
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise AuthenticationFailed("署名が正しくありません。")
        token = bearer_token(request)
        if token is not None:  # optional; when sent it must be good (module docstring)
            row = find_active_token(token) if token else None
            if row is None:
                raise AuthenticationFailed("トークンが正しくないか、失効しています。")
            return (None, row)  # IntegrationScope refuses another integration's token (403)
        # No user: the provider is a machine. request.auth says who called.
        return (None, Integration.SMS_RECEIPTS.value)

    def authenticate_header(self, request) -> str:
        return 'CivicDesk-HMAC-SHA256 realm="civicdesk-sms"'


class SmsSignatureScheme(OpenApiAuthenticationExtension):
    target_class = SmsSignatureAuthentication
    name = "smsSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": SIGNATURE_HEADER,
            "description": (
                f"sha256=<HMAC-SHA256 の16進>。鍵は CIVICDESK_SMS_WEBHOOK_SECRET、対象は "
                f"{TIMESTAMP_HEADER}（Unix 時刻・秒）の値 + '.' + 要求本文（バイト列）。"
                f"時刻が {MAX_SKEW_SECONDS} 秒以上ずれた要求は 401。"
            ),
        }


# Choice errors name the allowed values, never the value sent (it might be personal).
def _choice(choices, label: str, **kwargs) -> serializers.ChoiceField:
    allowed = "・".join(str(value) for value in dict(choices))
    message = f"{label}は {allowed} のいずれかを指定してください。"
    return serializers.ChoiceField(
        choices=choices, error_messages={"invalid_choice": message}, **kwargs
    )


class ReceiptEventSerializer(serializers.Serializer):
    """One event: a delivery receipt (type status) or a reply (type reply)."""

    type = _choice(
        [("status", "配信結果"), ("reply", "返信")],
        "type",
        help_text="status: 配信結果、reply: 返信",
    )
    message_id = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=SmsMessage._meta.get_field("provider_message_id").max_length,
        help_text="status: 送信サービスのメッセージ ID（key とどちらか必須）",
    )
    key = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=SmsMessage._meta.get_field("key").max_length,
        help_text="status: 送信時に渡した冪等キー（優先して照合）",
    )
    status = _choice(ReceiptStatus.choices, "status", required=False, help_text="status: 配信結果")
    reason = StrictCharField(
        required=False, allow_blank=True, trim_whitespace=True,
        help_text="status: 失敗・不明の理由（500 文字まで保存）",
    )  # fmt: skip
    at = serializers.DateTimeField(help_text="ISO 8601（時差なしは日本時間）")
    text = StrictCharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=REPLY_TEXT_MAX,
        help_text="reply: 返信の本文",
    )  # fmt: skip
    id = StrictCharField(
        required=False,
        allow_blank=False,
        min_length=1,
        max_length=SmsReply._meta.get_field("provider_message_id").max_length,
        help_text="reply: 送信サービスの返信 ID（同じ ID の返信は 1 回だけ登録）",
    )

    def get_fields(self):
        # "from" is a Python keyword: it cannot be a class attribute.
        fields = super().get_fields()
        fields["from"] = StrictCharField(
            required=False,
            max_length=30,
            help_text="reply: 返信元の電話番号（どの表記でも）",
        )
        return fields

    def validate(self, attrs):
        required = {
            "status": ["status"],
            "reply": ["from", "id"],
        }[attrs["type"]]
        errors = {name: ["この項目は必須です。"] for name in required if not attrs.get(name)}
        if attrs["type"] == "status" and not (attrs.get("message_id") or attrs.get("key")):
            errors["message_id"] = ["message_id か key のどちらかを指定してください。"]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ReceiptsSerializer(serializers.Serializer):
    events = serializers.ListField(
        child=ReceiptEventSerializer(),
        allow_empty=True,
        max_length=MAX_EVENTS,
        error_messages={"max_length": f"1 回に送れる events は {MAX_EVENTS:,} 件までです。"},
    )


class ReceiptsResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="状態が変わった SMS の数")
    replies = serializers.IntegerField(help_text="新たに登録した返信の数（重複は除く）")
    opted_out = serializers.IntegerField(help_text="停止ワードで受信拒否に登録した番号の数")
    unmatched = serializers.IntegerField(help_text="該当する SMS がなかった配信結果の数")


class SmsReceiptsView(APIView):
    authentication_classes = [SmsSignatureAuthentication]
    permission_classes = [IntegrationScope]
    api_integration = Integration.SMS_RECEIPTS.value

    @extend_schema(
        operation_id="sms_receipts",
        summary="SMS の配信結果・返信（送信サービスから）",
        description=(
            "配信結果（delivered・failed・unknown）で SMS の状態を更新し、返信を折衝記録と"
            "折返しの案件にします。停止ワードで始まる返信の番号は受信拒否に登録します。"
            f"events は {MAX_EVENTS:,} 件まで。全件を検査してから 1 つのトランザクションで"
            "反映します（1 件でも誤りがあれば 400、何も反映しません）。同じ要求を再送しても"
            "結果は変わりません。応答には個人情報を含めません。"
        ),
        request=ReceiptsSerializer,
        responses={
            200: ReceiptsResultSerializer,
            400: OpenApiResponse(
                description='event の番号ごとのエラー（例: {"events": {"3": {"status": [...]}}}）'
            ),
            401: ErrorSerializer,
            403: ErrorSerializer,
            # Answered by core.ratelimit before the view (CIVICDESK_API_RATE), with Retry-After.
            429: ErrorSerializer,
            503: ErrorSerializer,
        },
        tags=["sms"],
    )
    def post(self, request):
        serializer = ReceiptsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        municipality = Municipality.objects.default()
        if municipality is None:  # nothing set up yet: not the provider's fault
            return Response(
                {"detail": "自治体が設定されていません。"},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        counts = apply_receipts(serializer.validated_data["events"], municipality=municipality)
        return Response(counts, status=status.HTTP_200_OK)
