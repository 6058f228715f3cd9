from django.core.management.base import BaseCommand, CommandError

from civicdesk.audit.chain import verify_chain


class Command(BaseCommand):
    help = "アクセスログのハッシュ連鎖を検証します（改ざん・削除の検出）。"

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"BROKEN at entry {report.broken_seq}: {report.reason}"
                f"（{report.count} 件目までは正常）",
                returncode=1,
            )
        self.stdout.write(f"OK {report.count} entries")
