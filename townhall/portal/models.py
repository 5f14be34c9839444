"""What the portal keeps of its own: the citizens' ratings of the answers they received, and
the rate limits' counts (for the portal, the login and code forms, the API and Open311)."""

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


class RateBucket(models.Model):
    """The recent hits of one rate limit for one client (an address, a /64, or a user).

    Counted in the database so that the check and the count are one step under a row lock,
    whatever the number of workers (ratelimit.py). Rows past `expires_at` count nothing and are
    deleted when a new client is first counted. Left out of backups: nothing here outlives the
    longest window (10 minutes).
    """

    derived_cache = True

    name = models.CharField(_("limit"), max_length=40)
    key = models.CharField(_("client"), max_length=100)
    hits = models.JSONField(_("recent hits"), default=list)  # Unix times, oldest first
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("rate limit bucket")
        verbose_name_plural = _("rate limit buckets")
        constraints = [
            models.UniqueConstraint(fields=["name", "key"], name="rate_bucket_once_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.name}:{self.key} ({len(self.hits)})"


class SpentChallenge(models.Model):
    """A send form's sum already used for a petition (challenge.py): the unique nonce makes
    spending it one INSERT that only one request can win. Kept until the token expires."""

    derived_cache = True

    nonce = models.CharField(_("nonce"), max_length=40, unique=True)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("spent challenge")
        verbose_name_plural = _("spent challenges")

    def __str__(self) -> str:
        return self.nonce
