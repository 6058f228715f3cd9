from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicdesk.core import demo


class Command(BaseCommand):
    help = "デモ用の自治体と役割ごとのユーザーを作成します（開発環境のみ）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--codes", action="store_true", help="デモユーザーの現在の確認コードを表示する"
        )

    def handle(self, *args, codes=False, **options):
        if settings.PRODUCTION:
            raise CommandError("本番環境ではデモデータを作成できません。", returncode=2)
        if codes:
            return self._print_codes()
        logins = demo.build_demo()
        self.stdout.write(
            f"デモの自治体「{demo.DEMO_NAME}」とユーザー {len(logins)} 名を用意しました。"
            f" ログイン情報: {demo.credentials_path()}"
        )

    def _print_codes(self):
        usernames = [username for username, *_ in demo.DEMO_USERS]
        devices = TOTPDevice.objects.filter(
            user__username__in=usernames, confirmed=True
        ).select_related("user")
        for device in devices.order_by("user__username"):
            code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
            self.stdout.write(f"{device.user.username:<11} {code:06d}")
