from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "バックグラウンド処理（取込み・一括送信など）を実行するワーカーを起動します。"

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", default="default", help="処理するキュー名")
        parser.add_argument(
            "--batch", action="store_true", help="キューが空になったら終了する（バッチ実行用）"
        )

    def handle(self, *args, queue_name="default", batch=False, **options):
        arguments = ["--queue-name", queue_name]
        if batch:
            arguments.append("--batch")
        call_command("db_worker", *arguments)
