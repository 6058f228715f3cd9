from django.apps import AppConfig


class OversightConfig(AppConfig):
    """Work that reads every app's personal data through their declarations: purge and its
    verification, the access-log analysis, the semi-annual status report."""

    name = "civicdesk.oversight"
    label = "oversight"
    verbose_name = "個人情報の監督"
