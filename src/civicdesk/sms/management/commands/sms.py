"""`civicdesk sms segments TEXT`: the encoding, length and number of parts of an SMS text.

$ civicdesk sms segments "納期限を過ぎています"
{"encoding": "UCS-2", "characters": 10, "segments": 1}
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from civicdesk.sms.segments import count_segments


class Command(BaseCommand):
    help = "SMS の文字コード・文字数・分割数を表示します（例: civicdesk sms segments 本文）。"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{segments}")
        segments = actions.add_parser(
            "segments",
            help="本文の文字コード（GSM-7 / UCS-2）、文字数、分割数を JSON 1行で表示",
        )
        segments.add_argument("text", help="SMS の本文")

    def handle(self, *args, **options):
        result = count_segments(options["text"])
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
