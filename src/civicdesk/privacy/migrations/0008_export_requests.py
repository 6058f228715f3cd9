"""Issue 8 §2: export requests (持出し申請), 返却確認 on the export register, outgoing
hand-overs linked to their export."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0007_incidents"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="exportrecord",
            name="encrypted",
            field=models.BooleanField(default=False, verbose_name="暗号化"),
        ),
        migrations.AddField(
            model_name="exportrecord",
            name="return_due_on",
            field=models.DateField(blank=True, null=True, verbose_name="返却・消去の予定日"),
        ),
        migrations.AddField(
            model_name="exportrecord",
            name="return_method",
            field=models.CharField(
                blank=True,
                choices=[("returned", "返却"), ("erased", "消去")],
                max_length=10,
                verbose_name="返却・消去",
            ),
        ),
        migrations.AddField(
            model_name="exportrecord",
            name="return_note",
            field=models.CharField(blank=True, max_length=500, verbose_name="返却確認の備考"),
        ),
        migrations.AddField(
            model_name="exportrecord",
            name="returned_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="返却確認日時"),
        ),
        migrations.AddField(
            model_name="exportrecord",
            name="returned_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="返却確認者",
            ),
        ),
        migrations.AddField(
            model_name="handoverrecord",
            name="export_record",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="hand_overs",
                to="privacy.exportrecord",
                verbose_name="持出記録",
            ),
        ),
        migrations.AddField(
            model_name="handoverrecord",
            name="note",
            field=models.CharField(blank=True, max_length=500, verbose_name="備考"),
        ),
        migrations.AddField(
            model_name="handoverrecord",
            name="receiver",
            field=models.CharField(blank=True, max_length=100, verbose_name="受領者（所属・氏名）"),
        ),
        migrations.CreateModel(
            name="ExportRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("requested_at", models.DateTimeField(verbose_name="申請日時")),
                ("exporter", models.CharField(max_length=50, verbose_name="出力の種類")),
                ("params", models.JSONField(blank=True, default=dict, verbose_name="出力の条件")),
                ("content", models.CharField(max_length=200, verbose_name="内容")),
                ("reason", models.CharField(max_length=500, verbose_name="理由")),
                ("encrypt", models.BooleanField(default=False, verbose_name="暗号化")),
                ("return_due_on", models.DateField(verbose_name="返却・消去の予定日")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "承認待ち"),
                            ("approved", "承認済み"),
                            ("rejected", "却下"),
                            ("exported", "出力済み"),
                            ("expired", "期限切れ"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="状態",
                    ),
                ),
                (
                    "approved_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="承認・却下日時"),
                ),
                (
                    "note",
                    models.CharField(blank=True, max_length=500, verbose_name="承認・却下の所見"),
                ),
                (
                    "download_token_sha256",
                    models.CharField(blank=True, db_index=True, max_length=64),
                ),
                (
                    "download_expires_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="ダウンロード期限"),
                ),
                (
                    "downloaded_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="ダウンロード日時"),
                ),
                (
                    "approved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="承認・却下者",
                    ),
                ),
                (
                    "record",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="request",
                        to="privacy.exportrecord",
                        verbose_name="持出記録",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="申請者",
                    ),
                ),
            ],
            options={
                "verbose_name": "持出し申請",
                "verbose_name_plural": "持出し申請",
                "ordering": ["-requested_at", "-pk"],
            },
        ),
    ]
