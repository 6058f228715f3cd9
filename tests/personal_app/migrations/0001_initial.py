# The test-only app's table, migrated like every app's (PostgreSQL checks its key to core).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0004_security"),
    ]

    operations = [
        migrations.CreateModel(
            name="LibraryCard",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("holder_no", models.CharField(max_length=20)),
                ("holder_name", models.CharField(max_length=100)),
                ("note", models.TextField(blank=True)),
                ("processing", models.BooleanField(default=False)),
                (
                    "municipality",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.municipality",
                    ),
                ),
            ],
        ),
    ]
