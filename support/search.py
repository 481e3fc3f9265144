"""The support centre's one search box: whatever an agent has in front of them (a box code,
a unit's production code, an e-mail address or a customer's name, typed in any form) finds
the units, kits and accounts it names.

Codes are normalised and matched exactly through their unique indexes; a code whose check
digit fails is answered with the same hint the customer portal gives, never with "0 results"
alone. Addresses match exactly in any letter case. Names match by word similarity on a
trigram index of the name folded to lower case without diacritics ("novak" finds "Novák").
"""

import unicodedata
from dataclasses import dataclass, field

from django.db.models import BooleanField, FloatField, Func, OuterRef, Subquery, Value
from django.utils.translation import gettext_lazy as _

from accounts import addresses
from accounts.models import SearchFold, User
from devices import codes
from devices.models import Kit, Registration, Unit

NAME_RESULTS = 20


@dataclass
class SearchResults:
    term: str
    units: list = field(default_factory=list)
    kits: list = field(default_factory=list)
    accounts: list = field(default_factory=list)
    hint: str = ""  # why a code-like term found nothing (a mistyped character, a length)
    more_accounts: bool = False  # a name matched more accounts than are shown

    @property
    def count(self):
        return len(self.units) + len(self.kits) + len(self.accounts)

    @property
    def only_match(self):
        """The one thing found, for a direct jump; None for none or several."""
        found = [*self.units, *self.kits, *self.accounts]
        return found[0] if len(found) == 1 and not self.more_accounts else None


class WordSimilar(Func):
    """``name %> term``: the term is similar to some run of words of the name (pg_trgm's
    word similarity; served by the GiST trigram index on the folded name)."""

    arg_joiner = " %%> "
    template = "%(expressions)s"
    output_field = BooleanField()


class WordDistance(Func):
    """``name <->> term``: 1 − word similarity, the order the GiST index walks nearest first."""

    arg_joiner = " <->> "
    template = "%(expressions)s"
    output_field = FloatField()


def search(term):
    """Everything the typed term names, grouped."""
    # Control and format characters (a NUL byte PostgreSQL refuses, a pasted tab or
    # zero-width space) are never meant.
    term = "".join(ch for ch in (term or "") if unicodedata.category(ch) not in ("Cc", "Cf"))
    term = term.strip()
    results = SearchResults(term=term[:MAX_TERM])
    if not term:
        return results
    if len(term) > MAX_TERM:
        results.hint = _("This is too long for a code, an e-mail address or a name.")
    elif "@" in term:
        results.accounts = list(accounts_by_address(term))
    elif looks_like_a_code(term):
        search_codes(term, results)
    else:
        search_names(term, results)
    return results


MAX_TERM = 200


def looks_like_a_code(term):
    """Mostly digits (a box code, or a letter and digits): names and stray text are not."""
    text = codes.normalise(term)
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 6 and digits >= len(text) - 3


def search_names(term, results):
    """For a full name (two words or more), the accounts of exactly this name (case and
    diacritics aside) when there are any; otherwise the closest names (a single word's exact
    matches come first among them anyway)."""
    exact = list(accounts_named(term)[: NAME_RESULTS + 1]) if len(term.split()) > 1 else []
    found = exact or list(accounts_by_name(term)[: NAME_RESULTS + 1])
    results.accounts = found[:NAME_RESULTS]
    results.more_accounts = len(found) > NAME_RESULTS


def accounts_named(term):
    # Equality on the folded name: its own B-tree index (the trigram one would recheck every
    # name containing the term).
    return (
        User.objects.alias(folded=SearchFold("full_name"))
        .filter(folded=SearchFold(Value(" ".join(term.split()))))
        .order_by("pk")
    )


def accounts_by_address(term):
    # Look-alike spellings (full-width letters, a script ℯ) find the account they imitate.
    return User.objects.filter(email__iexact=addresses.comparable(term).lower())


def accounts_by_name(term):
    """Accounts whose name is like the term, the closest first (case and diacritics aside)."""
    name, folded = SearchFold("full_name"), SearchFold(Value(term))
    # Ordered by the distance alone: a second sort key would make PostgreSQL fetch every
    # similar name and sort them, instead of walking the index nearest first.
    return User.objects.filter(WordSimilar(name, folded)).order_by(WordDistance(name, folded))


def owner_email():
    return Subquery(
        Registration.objects.filter(unit=OuterRef("pk"), ended_at__isnull=True).values(
            "account__email"
        )[:1]
    )


def search_codes(term, results):
    """A unit code (a letter and 12 digits) or a box code (12 digits), in any form."""
    try:
        if codes.normalise(term)[:1].isalpha():
            code = codes.parse_unit_code(term)
            results.units = list(
                Unit.objects.select_related("product_model")
                .annotate(owner_email=owner_email())
                .filter(production_code=code)
            )
        else:
            code = codes.parse_box_code(term)
            results.kits = list(Kit.objects.prefetch_related("units").filter(box_code=code))
    except codes.CodeError as error:
        results.hint = error.message
        return
    if not results.count:
        results.hint = _("No unit or kit has this code.")
