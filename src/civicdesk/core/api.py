"""What the machine APIs of every app share (one name per schema component)."""

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """{"detail": "…"}: the answer of a refused request (401, 503)."""

    detail = serializers.CharField()


class StrictCharField(serializers.CharField):
    """A string and nothing else: DRF's CharField turns 0 or true into "0" and "True", which
    the schema (type string) does not allow and a machine client never means."""

    default_error_messages = {"not_a_string": "文字列で指定してください。"}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)
