"""Stores, their staff and (later) complaint claims."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Store(models.Model):
    """A point of sale. Its staff use the counter pages, never the admin."""

    class Kind(models.TextChoices):
        SHOP = "shop", _("shop")
        PARTNER = "partner", _("partner")
        POPUP = "popup", _("pop-up stand")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SHOP)
    address = models.TextField(_("address"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["name"]

    def __str__(self):
        return self.name


class StoreMembership(models.Model):
    """An account serving at a store; one account may serve several stores."""

    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="store_memberships",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("store staff membership")
        verbose_name_plural = _("store staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["store", "user"], name="claims_one_membership"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.store}"
