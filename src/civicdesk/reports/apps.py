from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "civicdesk.reports"
    label = "reports"
    verbose_name = "業務報告"
