"""`civicdesk access-alerts`: analyse one day of the access log into the inspectors' inbox.

    civicdesk access-alerts                      # yesterday (Tokyo)
    civicdesk access-alerts --date 2026-12-01    # that day; prints one JSON line of counts

Meant for a daily cron entry (the worker's task privacy.tasks.analyse_access_log does the
same). Analysing a day again updates its alerts and keeps every review.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from civicdesk.core.calendar import TOKYO
from civicdesk.oversight.services.analysis import analyse_access
from civicdesk.oversight.tasks import counts_per_kind


class Command(BaseCommand):
    help = "アクセスログを分析し、点検が必要なアクセスを監督員の確認一覧に登録します。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="分析する日 YYYY-MM-DD（既定: 昨日）")

    def handle(self, *args, date=None, **options):

        day = _day(date)
        try:
            alerts = analyse_access(acting_user=None, day=day)
        except ValidationError as error:
            raise CommandError(f"--date: {' '.join(error.messages)}", returncode=1) from None
        self.stdout.write(json.dumps(counts_per_kind(day, alerts), ensure_ascii=False))


def _day(text: str | None) -> dt.date:
    if not text:
        return timezone.localdate(timezone.now(), TOKYO) - dt.timedelta(days=1)
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(
            f"--date: 日付を YYYY-MM-DD の形で指定してください（例: 2026-12-01）: {text}",
            returncode=1,
        ) from None
