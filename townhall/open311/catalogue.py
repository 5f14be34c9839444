"""The services Townhall offers through Open311: the active topics, each with one definition.

Every service has the same attributes: the required `kind` of petition, and a notice on what is
published. `metadata` is therefore true for every service.
"""

from django.utils.translation import gettext as _

from townhall.petitions.models import Kind, Topic

SERVICE_TYPE = "realtime"  # a request is received, and its id returned, in the POST itself
KIND_ATTRIBUTE = "kind"
PRIVACY_ATTRIBUTE = "privacy"
# What a petitioner files, by law; "mixed" is a staff classification, not a citizen's choice.
FILED_KINDS = (Kind.RECOMMENDATION, Kind.REFLECTION, Kind.COMPLAINT, Kind.DENUNCIATION)
# Kinds about public matters, whose description and exact location are published (without
# contact details). A complaint is about the complainant's own rights, and a denouncer's identity
# is protected by law (Law on Denunciations 2018, Art. 9 and 56): for those, only the locality.
PUBLIC_KINDS = (Kind.RECOMMENDATION, Kind.REFLECTION)


def kind_values() -> list[str]:
    return [str(k.value) for k in FILED_KINDS]


def active_topics():
    return Topic.objects.filter(is_active=True).order_by("order", "code")


def _keywords(topic: Topic) -> str:
    parts = [topic.code, *(p.strip() for p in topic.name.split(","))]
    return ", ".join(p for p in parts if p)


def service(topic: Topic) -> dict:
    return {
        "service_code": topic.code,
        "service_name": topic.name,
        "description": _(
            "Recommendations, reflections, complaints and denunciations about: %(topic)s"
        )
        % {"topic": topic.name},
        "metadata": True,
        "type": SERVICE_TYPE,
        "keywords": _keywords(topic),
        "group": _("Petitions"),
    }


def definition(topic: Topic) -> dict:
    return {
        "service_code": topic.code,
        "attributes": [
            {
                "variable": True,
                "code": KIND_ATTRIBUTE,
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": _("Choose one"),
                "order": 1,
                "description": _(
                    "What kind of petition is this? A recommendation or a reflection is about "
                    "a public matter; a complaint asks to review a decision or action that "
                    "concerns you; a denunciation reports a violation of the law."
                ),
                "values": [{"key": str(k.value), "name": str(k.label)} for k in FILED_KINDS],
            },
            {
                "variable": False,
                "code": PRIVACY_ATTRIBUTE,
                "datatype": "text",
                "required": False,
                "datatype_description": None,
                "order": 2,
                "description": _(
                    "Your name and contact details are never published. The description and "
                    "location of a recommendation or reflection are published without contact "
                    "details; for a complaint or a denunciation only the locality and the "
                    "status are. A denouncer's identity is protected by law."
                ),
            },
        ],
    }
