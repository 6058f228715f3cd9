"""No admin pages: campaigns have their own pages for supervisors, and contacts, hand-overs and
requests hold personal data, which the administrator role never sees (registry.selectors)."""
