from django.apps import AppConfig


class DunningConfig(AppConfig):
    name = "civicdesk.dunning"
    label = "dunning"
    verbose_name = "納付案内センター（催告）"

    def ready(self) -> None:
        # Plug into receivables: promise checks and paid-in-full drop-outs after a payments
        # import, and contacts for the contacts export (layout 4); its downloads go through
        # the export requests (privacy.services.export_requests).
        from civicdesk.core.demo_parts import register_demo_part
        from civicdesk.dunning import demo, exporters, hooks, personal_data
        from civicdesk.dunning.selectors import contacts_export
        from civicdesk.privacy.personal_data import register_personal_data

        hooks.connect()
        contacts_export.connect()
        exporters.register()
        register_demo_part(demo.DEMO_PART)
        register_personal_data(personal_data.PERSONAL_DATA)
