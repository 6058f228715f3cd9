"""The PBX/CTI webhook: ``POST /api/calls/inbound`` announces a caller (受電).

Not a browser session: no cookies, no CSRF, no sign-in page. The PBX sends
``Authorization: Bearer <token>``, compared in constant time with settings.PBX_API_TOKEN. The
answer carries the call's id and the number of matches only: the PBX needs no names.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import APIException, AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import APIView

from civicdesk.core.api import ErrorSerializer
from civicdesk.dunning.models import InboundCall
from civicdesk.dunning.services.inbound import announce_inbound_call


class NotConfigured(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = (
        "PBX 連携のトークン（CIVICDESK_PBX_API_TOKEN）が設定されていないため、受け付けられません。"
    )
    default_code = "not_configured"


class PBXTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>`` against settings.PBX_API_TOKEN (unset: 503)."""

    keyword = b"bearer"

    def authenticate(self, request):
        expected = getattr(settings, "PBX_API_TOKEN", None)
        if not expected:
            raise NotConfigured
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != self.keyword:
            raise AuthenticationFailed("Authorization: Bearer <トークン> を指定してください。")
        if not hmac.compare_digest(parts[1], expected.encode()):
            raise AuthenticationFailed("トークンが正しくありません。")
        # No user: the PBX is a machine. request.auth says who called.
        return (None, "pbx")

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="civicdesk-pbx"'


class PBXTokenScheme(OpenApiAuthenticationExtension):
    target_class = PBXTokenAuthentication
    name = "pbxToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "PBX/CTI 用のトークン（CIVICDESK_PBX_API_TOKEN）",
        }


class InboundCallSerializer(serializers.Serializer):
    caller = serializers.CharField(
        max_length=InboundCall._meta.get_field("caller_display").max_length,
        help_text="発信者番号（どの表記でも: 090-1234-5678, +81 90 1234 5678, 09012345678）。"
        "非通知などはそのまま",
    )
    operator = serializers.CharField(
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
    permission_classes: list = []

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
