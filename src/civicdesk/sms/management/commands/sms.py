"""`civicdesk sms`: SMS length rules, batches and the sending worker.

    civicdesk sms segments "納期限を過ぎています"
    {"encoding": "UCS-2", "characters": 10, "segments": 1}
    civicdesk sms batch --campaign 3 --template 1 --user supervisor [--rate 5] [--reason …]
    {"batch": 7, "messages": 120, "status": "queued"}
    civicdesk sms run [--batch 7]     # send due batches now (cron: every few minutes)
    civicdesk sms pause|resume|cancel 7 --user supervisor

Each prints one JSON line on stdout; errors go to stderr in Japanese with exit status 1 and
change nothing. ``run`` is what the worker does for queued batches; from cron it also picks up
a batch whose worker died and a batch waiting for the sms calendar to open.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from civicdesk.accounts.models import User
from civicdesk.dunning.models import Campaign
from civicdesk.sms.models import SmsBatch, SmsTemplate
from civicdesk.sms.segments import count_segments
from civicdesk.sms.selectors import batches as selectors
from civicdesk.sms.services import batches as services
from civicdesk.sms.services import sending

CONTROLS = {
    "pause": services.pause_sms_batch,
    "resume": services.resume_sms_batch,
    "cancel": services.cancel_sms_batch,
}


class Command(BaseCommand):
    help = "SMS: 文字数・分割数の確認、送信の作成、送信処理、一時停止・再開・中止。"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{segments,batch,run,pause,resume,cancel}"
        )
        segments = actions.add_parser(
            "segments", help="本文の文字コード（GSM-7 / UCS-2）、文字数、分割数を JSON 1行で表示"
        )
        segments.add_argument("text", help="SMS の本文")
        batch = actions.add_parser("batch", help="SMS の催告計画とテンプレートから送信を作成")
        batch.add_argument("--campaign", type=int, required=True, help="催告計画の ID（手段 SMS）")
        batch.add_argument("--template", type=int, required=True, help="テンプレートの ID")
        batch.add_argument("--user", required=True, help="作成者のユーザーID（スーパーバイザー）")
        batch.add_argument("--rate", type=int, help="送信速度（通／秒。省略時は設定の上限）")
        batch.add_argument("--reason", help="送信の理由（省略時: SMS 催告（計画名））")
        run = actions.add_parser("run", help="送信待ちの SMS を今送信（cron からも）")
        run.add_argument("--batch", type=int, help="この送信だけ（省略時: 送信すべきものすべて）")
        for name, label in (("pause", "一時停止"), ("resume", "再開"), ("cancel", "中止")):
            control = actions.add_parser(name, help=f"送信を{label}")
            control.add_argument("batch", type=int, help="送信の ID")
            control.add_argument("--user", required=True, help="操作するユーザーID")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "segments":
            result = count_segments(options["text"]).as_dict()
        elif action == "batch":
            result = self._batch(options)
        elif action == "run":
            result = self._run(options["batch"])
        else:
            result = self._control(action, options)
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _batch(self, options) -> dict:
        user = _user(options["user"])
        campaign = Campaign.objects.filter(pk=options["campaign"]).first()
        template = SmsTemplate.objects.filter(pk=options["template"]).first()
        batch = _call(
            services.create_sms_batch,
            acting_user=user,
            campaign=campaign,
            template=template,
            rate_per_second=options["rate"],
            reason=options["reason"] or "",
        )
        skipped = services.skipped_text(batch.skipped)
        if skipped:
            self.stderr.write(f"対象外: {skipped}")
        return {"batch": batch.pk, "messages": batch.total, "status": batch.status}

    def _run(self, batch_id: int | None) -> dict:
        if batch_id is not None:
            if not SmsBatch.objects.filter(pk=batch_id).exists():
                raise CommandError(f"送信 {batch_id} はありません。")
            ids = [batch_id]
        else:
            ids = list(selectors.due_batches(timezone.now()).values_list("pk", flat=True))
        results = {}
        for pk in ids:
            results[str(pk)] = sending.run_sms_batch(pk).status
        return {"batches": results}

    def _control(self, action: str, options) -> dict:
        user = _user(options["user"])
        batch = selectors.batches_for(user).filter(pk=options["batch"]).first()
        if batch is None:
            raise CommandError(f"送信 {options['batch']} はありません（または権限がありません）。")
        batch = _call(CONTROLS[action], acting_user=user, batch=batch)
        return {"batch": batch.pk, "status": batch.status}


def _call(function, **kwargs):
    try:
        return function(**kwargs)
    except ValidationError as error:
        raise CommandError("\n".join(error.messages)) from None
    except PermissionDenied as error:
        raise CommandError(str(error)) from None


def _user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"ユーザー {username} は登録されていないか、無効です。")
    return user
