from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicdesk.core import demo
from civicdesk.receivables.demo_data import MAX_OBLIGORS


def _obligors(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_OBLIGORS:
        raise CommandError(
            f"--obligors には 1 以上 {MAX_OBLIGORS:,} 以下の整数を指定してください: {text}",
            returncode=2,
        )
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--as-of は YYYY-MM-DD の形式で指定してください: {text}", returncode=2
        ) from None


class Command(BaseCommand):
    help = (
        "デモ用の自治体・役割ごとのユーザー・架空の滞納データ（江東区の町丁目）を用意します"
        "（開発環境のみ）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--codes", action="store_true", help="デモユーザーの現在の確認コードを表示する"
        )
        parser.add_argument(
            "--obligors",
            type=str,
            default=str(demo.DEMO_OBLIGORS),
            help=f"納付義務者の人数（既定 {demo.DEMO_OBLIGORS:,}）",
        )
        parser.add_argument(
            "--seed", type=int, default=demo.DEMO_SEED, help="乱数の種（同じ種なら同じデータ）"
        )
        parser.add_argument(
            "--as-of",
            dest="as_of",
            help="データの基準日 YYYY-MM-DD（既定: 今月1日。同じ種・基準日なら同じファイル）",
        )
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="読み込み済みのデモデータを削除して作り直す",
        )

    def handle(self, *args, codes=False, rebuild=False, **options):
        if settings.PRODUCTION:
            raise CommandError("本番環境ではデモデータを作成できません。", returncode=2)
        if codes:
            return self._print_codes()
        obligors = _obligors(options["obligors"])
        as_of = _day(options["as_of"]) if options.get("as_of") else None
        logins = demo.build_demo()
        self.stdout.write(
            f"デモの自治体「{demo.DEMO_NAME}」とユーザー {len(logins)} 名を用意しました。"
            f" ログイン情報: {demo.credentials_path()}"
        )
        municipality = demo.demo_municipality()
        loaded = demo.demo_obligor_count(municipality)
        if loaded and not rebuild:
            self.stdout.write(
                f"デモデータは読み込み済みです（納付義務者 {loaded:,} 人）。"
                "作り直すには --rebuild を指定してください。"
            )
            self._campaigns(municipality)
            return
        self.stdout.write(
            f"デモデータを作成しています（納付義務者 {obligors:,} 人、乱数の種 {options['seed']}）…"
        )
        try:
            load = demo.load_demo_data(
                acting_user=demo.demo_importer(),
                municipality=municipality,
                obligors=obligors,
                seed=options["seed"],
                as_of=as_of,
                rebuild=rebuild,
                progress=self._progress(),
            )
        except demo.DemoDataError as error:
            raise CommandError(str(error), returncode=2) from None
        self._summary(load)
        self._campaigns(municipality)

    def _campaigns(self, municipality) -> None:
        for campaign in demo.create_demo_campaigns(municipality=municipality):
            self.stdout.write(
                f"催告計画「{campaign.name}」を作成しました（対象 {campaign.items.count():,} 人）。"
            )
        made = demo.create_demo_history(municipality=municipality)
        if not made.get("skipped"):
            self.stdout.write(
                f"3か月分の対応履歴を作成しました（架電 {made.get('outbound_call', 0):,} 件、"
                f"訪問 {made.get('visit', 0):,} 件、SMS {made.get('sms', 0):,} 件、"
                f"文書 {made.get('letter', 0):,} 件、入金 {made.get('payments', 0):,} 件）。"
            )

    def _progress(self):
        labels = {"receivables": "滞納データ（期別）", "household": "世帯員"}
        shown: dict[str, int] = {}

        def report(kind: str, percent: int) -> None:
            step = percent // 25 * 25  # a line every quarter: enough to see it is moving
            if shown.get(kind, -1) < step:
                shown[kind] = step
                self.stdout.write(f"  取込み中: {labels[kind]} {step}%")

        return report

    def _summary(self, load) -> None:
        receivables = load.counts["receivables"]
        household = load.counts["household"]
        if load.removed_obligors:
            self.stdout.write(
                f"以前のデモデータ（納付義務者 {load.removed_obligors:,} 人）を削除しました。"
            )
        obligors, accounts = receivables.get("obligors", 0), receivables.get("accounts", 0)
        installments, members = receivables.get("installments", 0), household.get("rows", 0)
        self.stdout.write(
            f"デモデータを読み込みました: 納付義務者 {obligors:,} 人、口座 {accounts:,} 件、"
            f"期別 {installments:,} 件、世帯員 {members:,} 人"
            f"（作成 {load.generate_seconds:.1f} 秒、取込み {load.import_seconds:.1f} 秒）。"
            f" ファイル: {load.paths['receivables'].parent}"
        )

    def _print_codes(self):
        usernames = [username for username, *_ in demo.DEMO_USERS]
        devices = TOTPDevice.objects.filter(
            user__username__in=usernames, confirmed=True
        ).select_related("user")
        for device in devices.order_by("user__username"):
            code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
            self.stdout.write(f"{device.user.username:<11} {code:06d}")
