"""Purge plans and certificates (issue 8 §4). Owned by the purge work."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("privacy", "0005_accessalert"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PurgePlan",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "scope",
                    models.CharField(
                        choices=[
                            ("all", "委託終了（自治体の個人情報すべて）"),
                            ("revenue_type", "税目・保険料ごと"),
                        ],
                        max_length=20,
                        verbose_name="範囲",
                    ),
                ),
                (
                    "revenue_type",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("resident_tax", "特別区民税・都民税・森林環境税"),
                            ("light_vehicle_tax", "軽自動車税（種別割）"),
                            ("nhi", "国民健康保険料"),
                            ("late_elderly", "後期高齢者医療保険料"),
                            ("ltc", "介護保険料"),
                        ],
                        max_length=20,
                        verbose_name="税目",
                    ),
                ),
                ("media", models.CharField(max_length=200, verbose_name="媒体名")),
                ("method", models.CharField(max_length=500, verbose_name="消去の方法")),
                ("planned_on", models.DateField(verbose_name="処理予定日")),
                ("reason", models.CharField(max_length=200, verbose_name="理由")),
                ("planned_counts", models.JSONField(default=dict, verbose_name="数量（計画時）")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "承認待ち"),
                            ("approved", "承認済み"),
                            ("executed", "消去済み（検証待ち）"),
                            ("verified", "検証済み"),
                        ],
                        default="draft",
                        max_length=10,
                        verbose_name="状態",
                    ),
                ),
                ("drafted_at", models.DateTimeField(verbose_name="申請日時")),
                (
                    "approved_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="承認日時"),
                ),
                (
                    "executed_by_system",
                    models.CharField(
                        blank=True, max_length=100, verbose_name="消去担当者（コマンド）"
                    ),
                ),
                (
                    "executed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="消去日時"),
                ),
                (
                    "executed_counts",
                    models.JSONField(blank=True, default=dict, verbose_name="数量（消去時）"),
                ),
                (
                    "salt",
                    models.CharField(
                        blank=True, editable=False, max_length=64, verbose_name="ソルト"
                    ),
                ),
                ("number_digests", models.JSONField(blank=True, default=list, editable=False)),
                ("name_digests", models.JSONField(blank=True, default=list, editable=False)),
                ("name_lengths", models.JSONField(blank=True, default=list, editable=False)),
                (
                    "certificate_pdf",
                    models.BinaryField(blank=True, verbose_name="消去証明書（PDF）"),
                ),
                (
                    "certificate_sha256",
                    models.CharField(
                        blank=True, max_length=64, verbose_name="消去証明書の SHA-256"
                    ),
                ),
                (
                    "approved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="承認者",
                    ),
                ),
                (
                    "drafted_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="申請者",
                    ),
                ),
                (
                    "executed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="消去担当者",
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
                "verbose_name": "消去計画",
                "verbose_name_plural": "消去計画",
                "ordering": ["-drafted_at", "-pk"],
                "permissions": [
                    ("approve_purgeplan", "消去計画を承認できる（自治体職員）"),
                    ("execute_purgeplan", "承認済みの消去を実行・検証できる（受託者）"),
                ],
                "default_permissions": ("view", "add"),
            },
        ),
        migrations.CreateModel(
            name="PurgeVerification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(verbose_name="検証日時")),
                (
                    "by_system",
                    models.CharField(blank=True, max_length=100, verbose_name="検証者（コマンド）"),
                ),
                ("ok", models.BooleanField(verbose_name="残存なし")),
                ("values_scanned", models.PositiveBigIntegerField(verbose_name="検索した値の数")),
                ("files_scanned", models.PositiveIntegerField(verbose_name="検索したファイル数")),
                ("findings", models.JSONField(blank=True, default=list, verbose_name="検出")),
                (
                    "homonyms",
                    models.JSONField(
                        blank=True, default=list, verbose_name="同姓同名（残っている別の人）"
                    ),
                ),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="検証者",
                    ),
                ),
                (
                    "plan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="verifications",
                        to="privacy.purgeplan",
                        verbose_name="消去計画",
                    ),
                ),
            ],
            options={
                "verbose_name": "消去の検証",
                "verbose_name_plural": "消去の検証",
                "ordering": ["-at", "-pk"],
                "default_permissions": (),
            },
        ),
        migrations.AddConstraint(
            model_name="purgeplan",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("revenue_type", ""), ("scope", "all")),
                    models.Q(
                        ("scope", "revenue_type"), models.Q(("revenue_type", ""), _negated=True)
                    ),
                    _connector="OR",
                ),
                name="privacy_purge_scope_revenue_type",
            ),
        ),
    ]
