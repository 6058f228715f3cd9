from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from civicdesk.core.demo_parts import DemoError
from civicdesk.demo.building import DEMO_OBLIGORS, DEMO_SEED, build_demo, demo_codes


def _count(option: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise CommandError(f"{option} には 0 以上の整数を指定してください: {text}", returncode=2)
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
        "デモ用の自治体・役割ごとのユーザー・架空の滞納データ（江東区の町丁目）・催告計画・"
        "対応履歴を用意します（開発環境のみ）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--codes", action="store_true", help="デモユーザーの現在の確認コードを表示する"
        )
        parser.add_argument(
            "--obligors",
            type=str,
            default=str(DEMO_OBLIGORS),
            help=f"納付義務者の人数（既定 {DEMO_OBLIGORS:,}。0 なら作らない）",
        )
        parser.add_argument(
            "--seed", type=int, default=DEMO_SEED, help="乱数の種（同じ種なら同じデータ）"
        )
        parser.add_argument(
            "--as-of",
            dest="as_of",
            help="データの基準日 YYYY-MM-DD（既定: 今月1日。同じ種・基準日なら同じファイル）",
        )
        parser.add_argument(
            "--history-days",
            dest="history_days",
            help="今日までの対応履歴の日数（既定 90。0 なら作らない）",
        )
        parser.add_argument(
            "--counter-days",
            dest="counter_days",
            help="窓口の履歴の日数（既定: --history-days と同じ、なければ 90。0 なら作らない）",
        )
        parser.add_argument(
            "--card-targets",
            dest="card_targets",
            help="カード交付の対象者数（既定 5,000、--history-days 0 なら 0。0 なら会場のみ）",
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
            for line in demo_codes():
                self.stdout.write(line)
            return
        obligors = _count("--obligors", options["obligors"])
        days = options.get("history_days")
        history_days = None if days is None else _count("--history-days", days)
        counter = options.get("counter_days")
        counter_days = None if counter is None else _count("--counter-days", counter)
        cards = options.get("card_targets")
        card_targets = None if cards is None else _count("--card-targets", cards)
        as_of = _day(options["as_of"]) if options.get("as_of") else None
        try:
            build_demo(
                obligors=obligors,
                seed=options["seed"],
                as_of=as_of,
                history_days=history_days,
                counter_days=counter_days,
                card_targets=card_targets,
                rebuild=rebuild,
                say=self.stdout.write,
            )
        except DemoError as error:
            raise CommandError(str(error), returncode=2) from None
