"""Incidents (事故記録) and the semi-annual privacy status report (issue 8 §5)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("privacy", "0006_purge"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Incident",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("occurred_at", models.DateTimeField(verbose_name="発生日時")),
                ("discovered_at", models.DateTimeField(verbose_name="発見日時")),
                ("place", models.CharField(max_length=200, verbose_name="発生場所")),
                ("content", models.TextField(verbose_name="事案の内容（個人情報の内容）")),
                (
                    "affected_count",
                    models.PositiveIntegerField(verbose_name="件数（対象の人数・件数）"),
                ),
                ("circumstances", models.TextField(verbose_name="発生状況")),
                ("cause", models.TextField(blank=True, verbose_name="原因")),
                (
                    "measures",
                    models.TextField(blank=True, verbose_name="対応（被害拡大の防止・復旧）"),
                ),
                ("prevention", models.TextField(blank=True, verbose_name="再発防止策")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("recorded", "記録済み（未報告）"),
                            ("reported", "自治体へ報告済み"),
                            ("closed", "完了"),
                        ],
                        default="recorded",
                        max_length=10,
                        verbose_name="状態",
                    ),
                ),
                ("recorded_at", models.DateTimeField(verbose_name="記録日時")),
                ("updated_at", models.DateTimeField(verbose_name="最終更新日時")),
                (
                    "report_number",
                    models.PositiveSmallIntegerField(default=0, verbose_name="報告の回数"),
                ),
                (
                    "reported_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="報告日時"),
                ),
                (
                    "report_snapshot",
                    models.JSONField(blank=True, default=dict, verbose_name="報告した内容"),
                ),
                (
                    "report_sha256",
                    models.CharField(blank=True, max_length=64, verbose_name="報告書PDFのSHA-256"),
                ),
                ("closed_at", models.DateTimeField(blank=True, null=True, verbose_name="完了日時")),
                ("closing_note", models.TextField(blank=True, verbose_name="完了の所見")),
                (
                    "closed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="完了の確認者",
                    ),
                ),
                (
                    "municipality",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.municipality",
                        verbose_name="自治体",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="記録者",
                    ),
                ),
                (
                    "reported_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="報告者",
                    ),
                ),
            ],
            options={
                "verbose_name": "事故記録",
                "verbose_name_plural": "事故記録",
                "ordering": ["-occurred_at", "-pk"],
                "permissions": [("close_incident", "事故記録を完了にする")],
                "default_permissions": ("view", "add", "change"),
                "indexes": [
                    models.Index(
                        fields=["municipality", "occurred_at"],
                        name="privacy_inc_municip_56a9af_idx",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="PrivacyStatusReport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("period_start", models.DateField(verbose_name="対象期間の開始日")),
                ("period_end", models.DateField(verbose_name="対象期間の終了日")),
                ("version", models.PositiveSmallIntegerField(default=1, verbose_name="版")),
                ("generated_at", models.DateTimeField(verbose_name="作成日時")),
                ("figures", models.JSONField(verbose_name="集計値")),
                ("sha256", models.CharField(max_length=64, verbose_name="PDFのSHA-256")),
                (
                    "generated_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="作成者",
                    ),
                ),
                (
                    "municipality",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.municipality",
                        verbose_name="自治体",
                    ),
                ),
            ],
            options={
                "verbose_name": "個人情報取扱状況報告",
                "verbose_name_plural": "個人情報取扱状況報告",
                "ordering": ["-period_start", "-version"],
                "default_permissions": ("view", "add"),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("municipality", "period_start", "version"),
                        name="privacy_status_report_version_once",
                    )
                ],
            },
        ),
    ]
