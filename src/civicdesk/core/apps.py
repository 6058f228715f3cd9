from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicdesk.core"
    label = "core"
    verbose_name = "基本設定（自治体・業務カレンダー）"
