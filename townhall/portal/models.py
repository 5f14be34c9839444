"""What the portal keeps of its own: the citizens' ratings of the answers they received."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Rating(models.Model):
    """A citizen's rating of one answer to their petition (Step 8: "let the citizen rate it").

    One rating per petition and answer: `answer_at` is the case's `answered_at` when it was
    rated, so a case reopened and answered again can be rated again.
    """

    petition = models.ForeignKey(
        "petitions.Petition", on_delete=models.CASCADE, related_name="ratings"
    )
    case = models.ForeignKey("petitions.Case", on_delete=models.CASCADE, related_name="ratings")
    answer_at = models.DateTimeField(_("answer rated"))
    stars = models.PositiveSmallIntegerField(_("stars"))
    settled = models.BooleanField(_("settled"))
    comment = models.TextField(_("comment"), blank=True)
    reopened = models.BooleanField(_("reopened the case"), default=False)
    at = models.DateTimeField(_("rated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__gte=1) & Q(stars__lte=5), name="rating_stars_1_to_5"
            ),
            models.UniqueConstraint(
                fields=["petition", "answer_at"], name="rating_once_per_answer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id}: {self.stars}★ {'settled' if self.settled else 'not settled'}"
