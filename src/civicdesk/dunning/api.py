"""The PBX/CTI webhook: ``POST /api/calls/inbound`` announces a caller (受電).

Not a browser session: no cookies, no CSRF, no sign-in page. The PBX sends
``Authorization: Bearer <token>``: a token made for the pbx integration (``civicdesk api-token
create --integration pbx``), or — the older way, still accepted — settings.PBX_API_TOKEN,
compared in constant time. The answer carries the call's id and the number of matches only:
the PBX needs no names.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import APIView

from civicdesk.core.api import ErrorSerializer, StrictCharField
from civicdesk.core.api_tokens import (
    ApiTokenAuthentication,
    IntegrationScope,
    bearer_token,
    find_active_token,
)
from civicdesk.core.models import ApiToken, Integration
from civicdesk.dunning.models import InboundCall
from civicdesk.dunning.services.inbound import announce_inbound_call


class NotConfigured(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = (
        "PBX 連携のトークン（civicdesk api-token create --integration pbx、または"
        "CIVICDESK_PBX_API_TOKEN）が設定されていないため、受け付けられません。"
    )
    default_code = "not_configured"


class PBXTokenAuthentication(ApiTokenAuthentication):
    """A pbx-scoped ApiToken (request.auth: the row), else settings.PBX_API_TOKEN (request.auth:
    "pbx"). Neither configured: 503, so a PBX set up before its token shows why it is refused."""

    realm = "civicdesk-pbx"

    def authenticate(self, request):
        token = bearer_token(request)
        row = find_active_token(token) if token else None
        if row is not None:
            return (None, row)  # IntegrationScope refuses another integration's token (403)
        legacy = getattr(settings, "PBX_API_TOKEN", None)
        if token and legacy and hmac.compare_digest(token.encode(), legacy.encode()):
            # No user: the PBX is a machine. request.auth says who called.
            return (None, Integration.PBX.value)
        if not legacy and not _pbx_tokens_exist():
            raise NotConfigured
        if token is None:
            raise AuthenticationFailed("Authorization: Bearer <トークン> を指定してください。")
        raise AuthenticationFailed("トークンが正しくないか、失効しています。")


def _pbx_tokens_exist() -> bool:
    return ApiToken.objects.filter(integration=Integration.PBX, revoked_at__isnull=True).exists()


class PBXTokenScheme(OpenApiAuthenticationExtension):
    target_class = PBXTokenAuthentication
    name = "pbxToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "PBX/CTI 用の API トークン（civicdesk api-token create "
            "--integration pbx）。従来の CIVICDESK_PBX_API_TOKEN も使えます",
        }


class InboundCallSerializer(serializers.Serializer):
    caller = StrictCharField(
        max_length=InboundCall._meta.get_field("caller_display").max_length,
        help_text="発信者番号（どの表記でも: 090-1234-5678, +81 90 1234 5678, 09012345678）。"
        "非通知などはそのまま",
    )
    operator = StrictCharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=150,
        help_text="着信させたオペレータのユーザー名（省略: 全オペレータに表示）",
    )


class InboundCallResultSerializer(serializers.Serializer):
    call_id = serializers.IntegerField(help_text="受電の番号")
    matches = serializers.IntegerField(help_text="番号が一致した納付義務者の数")


class InboundCallView(APIView):
    authentication_classes = [PBXTokenAuthentication]
    permission_classes = [IntegrationScope]
    api_integration = Integration.PBX.value

    @extend_schema(
        operation_id="calls_inbound",
        summary="受電の通知（PBX/CTI）",
        description="発信者番号の納付義務者を探し、オペレータの受電画面に表示します。"
        "応答には個人情報を含めません。",
        request=InboundCallSerializer,
        responses={
            201: InboundCallResultSerializer,
            400: OpenApiResponse(description='項目ごとのエラー（例: {"caller": [...]}）'),
            401: ErrorSerializer,
            403: ErrorSerializer,
            # Answered by core.ratelimit before the view (CIVICDESK_API_RATE), with Retry-After.
            429: ErrorSerializer,
            503: ErrorSerializer,
        },
        tags=["calls"],
    )
    def post(self, request):
        serializer = InboundCallSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            call = announce_inbound_call(
                caller=serializer.validated_data["caller"],
                operator_username=serializer.validated_data.get("operator") or None,
            )
        except DjangoValidationError as error:
            if not hasattr(error, "error_dict"):  # no municipality set up: not the PBX's fault
                detail = " ".join(error.messages)
                return Response({"detail": detail}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
            return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"call_id": call.pk, "matches": call.matches.count()},
            status=status.HTTP_201_CREATED,
        )
