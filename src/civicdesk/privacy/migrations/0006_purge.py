from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("privacy", "0005_accessalert")]

    operations = []
