from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicdesk.core"
    label = "core"
    verbose_name = "基本設定（自治体・業務カレンダー）"

    def ready(self) -> None:
        # Imported here: the models these modules use are loaded only now.
        from civicdesk.core import calendar_cache, demo, demo_parts

        demo_parts.register_demo_part(demo.DEMO_PART)
        calendar_cache.connect_calendar_cache()
