"""`civicdesk purge`: show, execute and verify an approved purge plan (issue 8 §4).

    civicdesk purge --plan 3                          # the plan and today's counts (dry run)
    civicdesk purge --plan 3 --execute --user sato    # remove; prints the counts and the
                                                      # certificate's SHA-256
    civicdesk purge --verify 3                        # search DB and files for what went

Exit status: 0 done; 1 refused (not approved, date not reached, already executed, unknown
plan or user, no permission); 3 the verification found personal data left (places printed).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from civicdesk.audit.actors import system_actor_name
from civicdesk.oversight.models import PurgePlan
from civicdesk.oversight.services import purge
from civicdesk.oversight.services import verification as purge_verification

LEFT_OVER = 3


class Command(BaseCommand):
    help = "承認済みの消去計画を表示・実行・検証します（個人情報の消去）。"

    def add_arguments(self, parser):
        parser.add_argument("--plan", type=int, help="消去計画の番号（単独では数量を表示）")
        parser.add_argument("--execute", action="store_true", help="消去を実行する")
        parser.add_argument("--verify", type=int, metavar="PLAN", help="消去の残存を検証する")
        parser.add_argument("--user", help="担当者の利用者ID（省略時はコマンドとして記録）")

    def handle(self, *args, plan=None, execute=False, verify=None, user=None, **options):
        if (plan is None) == (verify is None):
            raise CommandError("--plan 番号 か --verify 番号 のどちらか一つを指定してください。")
        if execute and plan is None:
            raise CommandError("--execute は --plan 番号 と一緒に指定してください。")
        acting_user = _user(user)
        try:
            if verify is not None:
                return self._verify(purge_verification, _plan(verify), acting_user)
            if execute:
                return self._execute(purge, _plan(plan), acting_user)
            self._show(purge, _plan(plan))
        except purge.PurgeError as error:
            raise CommandError(str(error), returncode=1) from None
        except PermissionDenied as error:
            raise CommandError(str(error) or "権限がありません。", returncode=1) from None

    def _show(self, purge, plan) -> None:
        now = purge.targets(
            municipality=plan.municipality, scope=plan.scope, revenue_type=plan.revenue_type
        ).counts()
        self.stdout.write(
            f"消去計画 第{plan.pk}号 {plan.scope_label}（{plan.get_status_display()}）"
        )
        self.stdout.write(f"処理予定日 {plan.planned_on:%Y-%m-%d}  媒体 {plan.media}")
        self.stdout.write("項目\t計画時\t現在" + ("\t消去時" if plan.executed_at else ""))
        for key, label, planned, executed in purge.item_rows(plan):
            line = f"{label}\t{planned}\t{now[key] if not plan.executed_at else '-'}"
            self.stdout.write(line + (f"\t{executed}" if plan.executed_at else ""))
        refusal = purge.execution_refusal(plan)
        self.stdout.write(refusal or "実行できます: --execute を付けて実行してください。")

    def _execute(self, purge, plan, acting_user) -> None:
        plan = purge.execute_purge(
            acting_user=acting_user, plan=plan, system_name=system_actor_name("purge")
        )
        for _key, label, _planned, executed in purge.item_rows(plan):
            self.stdout.write(f"{label}\t{executed}")
        self.stdout.write(f"消去しました（{plan.executed_at:%Y-%m-%d %H:%M}）。")
        self.stdout.write(f"消去証明書の SHA-256: {plan.certificate_sha256}")

    def _verify(self, purge_verification, plan, acting_user) -> None:
        check = purge_verification.verify_purge(
            acting_user=acting_user, plan=plan, system_name=system_actor_name("purge")
        )
        self.stdout.write(f"検索した値 {check.values_scanned}件、ファイル {check.files_scanned}件")
        if check.homonyms:
            self.stdout.write(f"同姓同名（残っている別の人の氏名欄）{len(check.homonyms)}件")
        if check.ok:
            self.stdout.write("残存なし: 消去した宛名番号・氏名は見つかりませんでした。")
            return
        for item in check.findings:
            self.stderr.write(f"{item['place']}\t{purge_verification.KIND_LABELS[item['kind']]}")
        raise CommandError(
            f"残存あり: 消去した個人情報が {len(check.findings)} か所に残っています。",
            returncode=LEFT_OVER,
        )


def _plan(pk: int):
    try:
        return PurgePlan.objects.select_related("municipality").get(pk=pk)
    except PurgePlan.DoesNotExist:
        raise CommandError(f"消去計画 第{pk}号はありません。", returncode=1) from None


def _user(username: str | None):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"利用者 {username} は登録されていないか、無効です。", returncode=1)
    return user
