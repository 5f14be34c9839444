"""Worklist counts for the role home pages (the home view belongs to the web app)."""

from django import template
from django.urls import reverse

from townhall.petitions import selectors
from townhall.petitions.views import TABS

register = template.Library()
LABELS = dict(TABS)


@register.simple_tag
def worklist_counts(user, *names: str) -> list[dict]:
    """One count query per worklist: `{% worklist_counts user "mine" "overdue" as counts %}`."""
    url = reverse("petitions:list")
    return [
        {
            "name": name,
            "label": LABELS[name],
            "count": selectors.worklist(user, name).count(),
            "url": f"{url}?tab={name}",
        }
        for name in names
        if name in LABELS
    ]
