"""`civicdesk api-token`: the machine API's tokens, one integration each.

    civicdesk api-token create --integration pbx --name "本庁舎 PBX" [--by admin1]
        # prints the token once (stdout); only its SHA-256 is kept
    civicdesk api-token list [--all]     # one JSON line per token (active ones; --all: revoked too)
    civicdesk api-token revoke 3         # refused from the next request on

Integrations: pbx (POST /api/calls/inbound), sms_receipts (POST /api/sms/receipts, besides the
provider's signature), core_import (reserved for the core system's import).
"""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from civicdesk.audit.actors import system_actor_name
from civicdesk.core import api_tokens
from civicdesk.core.models import ApiToken, Integration


class Command(BaseCommand):
    help = "API トークン（連携ごと）を作成・一覧・失効します。"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="create|list|revoke")
        create = actions.add_parser("create", help="トークンを作成し、一度だけ表示します")
        create.add_argument("--integration", required=True, choices=Integration.values)
        create.add_argument("--name", required=True, help="用途が分かる名称（例: 本庁舎 PBX）")
        create.add_argument("--by", help="作成者のユーザーID（省略: コマンドと OS アカウント）")
        listing = actions.add_parser(
            "list", help="トークンを一覧します（トークン自体は表示しません）"
        )
        listing.add_argument("--all", action="store_true", help="失効したものも表示")
        revoke = actions.add_parser("revoke", help="トークンを失効させます")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args, action, **options):
        try:
            if action == "create":
                self.create(options)
            elif action == "list":
                rows = ApiToken.objects.select_related("created_by")
                if not options["all"]:
                    rows = rows.filter(revoked_at__isnull=True)
                for row in rows:
                    self.stdout.write(json.dumps(api_tokens.describe(row), ensure_ascii=False))
            else:
                row = api_tokens.revoke_api_token(acting_user=None, token_id=options["token_id"])
                self.stdout.write(json.dumps(api_tokens.describe(row), ensure_ascii=False))
        except api_tokens.TokenError as error:
            raise CommandError(str(error), returncode=1) from None

    def create(self, options):
        user = None
        if options["by"]:
            user = get_user_model().objects.filter(username=options["by"]).first()
            if user is None:
                raise CommandError(f"--by: ユーザー {options['by']} はいません", returncode=1)
        row, token = api_tokens.create_api_token(
            acting_user=user,
            integration=options["integration"],
            name=options["name"],
            actor_name="" if user else system_actor_name("api-token"),
        )
        # The token alone on stdout (for a script to pick up); the note for a person on stderr.
        self.stdout.write(token)
        self.stderr.write(
            f"トークン {row.pk}（{row}）を作成しました。表示はこの一度だけです。"
            "PBX などの設定に登録してください。"
        )
