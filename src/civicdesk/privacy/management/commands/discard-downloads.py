"""`civicdesk discard-downloads`: erase export files whose one-time link expired unused.

    */10 * * * *  civicdesk civicdesk discard-downloads    # prints {"discarded": N}

The export pages do the same whenever someone opens them. Without this cron line a file whose
link nobody used would wait on disk, with its personal data, until the next visit.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from civicdesk.privacy.services.export_requests import discard_expired_downloads


class Command(BaseCommand):
    help = "ダウンロードされないまま期限（30分）を過ぎた持出しファイルを消去します。"

    def handle(self, *args, **options):
        count = discard_expired_downloads()
        self.stdout.write(json.dumps({"discarded": count}))
