"""`civicdesk promises --check`: decide the promises whose date plus grace days has passed.

    civicdesk promises --check [--date 2025-07-01]   # runs now, prints one JSON line of counts
    civicdesk promises --enqueue                      # queues dunning.tasks.check_promises

Meant for a daily cron entry (or the worker, with --enqueue). Payments imports decide the
promises they touch by themselves.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from civicdesk.core.japanese import parse_era_date
from civicdesk.dunning.services.promises import decide_promises
from civicdesk.dunning.tasks import check_promises


class Command(BaseCommand):
    help = "納付約束の履行判定（約束日＋猶予日数を過ぎた約束）を実行します。"

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument(
            "--check", action="store_true", help="今すぐ判定し、件数を JSON で 1 行出力する"
        )
        action.add_argument(
            "--enqueue", action="store_true", help="判定をワーカーのキューに登録する"
        )
        parser.add_argument("--date", help="判定日 YYYY-MM-DD（和暦も可。既定: 今日）")

    def handle(self, *args, check=False, enqueue=False, date=None, **options):
        if enqueue:
            result = check_promises.enqueue()
            self.stdout.write(json.dumps({"enqueued": str(result.id)}, ensure_ascii=False))
            return
        counts = decide_promises(acting_user=None, today=_date(date))
        self.stdout.write(json.dumps(counts, ensure_ascii=False, sort_keys=True))


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return parse_era_date(text)
    except ValueError as error:
        raise CommandError(f"--date: {error}") from None
