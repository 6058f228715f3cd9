"""`civicdesk letters`: print reminder letters (催告書) to a PDF, with the Excel list beside it.

    civicdesk letters --campaign 12 --out 催告書.pdf
    civicdesk letters --resident-no 000123456,000123457 --revenue-type nhi --out 催告書.pdf

On success stdout gets exactly one JSON line ``{"letters": N, "pages": N, "file": "<pdf>"}``;
everything else (the list's path, who was left out) goes to stderr in Japanese. On any error
the message goes to stderr, the exit status is 1 and nothing is written. ``--out`` must not
exist (files are never overwritten: their hashes are in the export register).

Without ``--user`` the command acts as the system: the access log and the export register name
「コマンド letters（OS: the account that ran it）」.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from civicdesk.accounts.models import User
from civicdesk.core.choices import RevenueType
from civicdesk.dunning.models import Campaign
from civicdesk.dunning.selectors import letters as selectors
from civicdesk.dunning.services import letters as services


class Command(BaseCommand):
    help = (
        "催告書（1通1ページの PDF と一覧の Excel）を作成します。"
        "例: civicdesk letters --campaign 12 --out 催告書.pdf"
    )

    def add_arguments(self, parser):
        types = ", ".join(f"{value}={label}" for value, label in RevenueType.choices)
        parser.add_argument("--campaign", type=int, help="催告計画の ID（文書・効果なしの案件）")
        parser.add_argument("--resident-no", help="宛名番号（個別の催告書。複数はカンマ区切り）")
        parser.add_argument("--revenue-type", help=f"--resident-no の税目（{types}）")
        parser.add_argument("--out", required=True, help="出力する PDF（一覧は同じ名前の .xlsx）")
        parser.add_argument("--user", help="作成者のユーザーID（省略時はシステムとして記録）")
        parser.add_argument("--reason", help="印刷・持出しの理由（省略時: 催告書の印刷（計画名））")

    def handle(self, *args, **options):
        user = _user(options["user"])
        campaign = None
        if options["campaign"] is not None:
            campaign = _campaign(user, options["campaign"])
        elif not options["resident_no"]:
            raise CommandError("--campaign か --resident-no のどちらかを指定してください。")
        try:
            batch = services.create_letter_batch(
                acting_user=user,
                campaign=campaign,
                resident_nos=options["resident_no"] or (),
                revenue_type=options["revenue_type"],
                out_pdf=options["out"],
                reason=options["reason"],
            )
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from None
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        self.stderr.write(f"一覧（Excel）: {batch.list_file}")
        skipped = services.skipped_text(batch.skipped)
        if skipped:
            self.stderr.write(f"対象外: {skipped}")
        line = {"letters": batch.letter_count, "pages": batch.page_count, "file": batch.pdf_file}
        self.stdout.write(json.dumps(line, ensure_ascii=False))


def _user(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"ユーザー {username} は登録されていないか、無効です。")
    return user


def _campaign(user, campaign_id: int) -> Campaign:
    campaign = selectors.campaign_for_letters(user, campaign_id)
    if campaign is None:
        raise CommandError(f"催告計画 {campaign_id} が見つかりません。")
    return campaign
