"""``{% ticket_work ticket %}``: what the desk screen shows of a ticket's requests and fees
(the requests subdomain fills it in)."""

from django import template

register = template.Library()


@register.inclusion_tag("counter/desk/_work.html", takes_context=True)
def ticket_work(context, ticket):
    return {"ticket": ticket, "user": context.get("user"), "requests": []}
