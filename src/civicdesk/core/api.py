"""What the machine APIs of every app share (one name per schema component)."""

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """{"detail": "…"}: the answer of a refused request (401, 503)."""

    detail = serializers.CharField()
