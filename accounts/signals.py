from django.dispatch import Signal

# Sent with ``user`` when a person chose a password through an e-mailed link (invitation,
# set-password or reset): the address is proven and any store invitation is accepted.
password_set_by_link = Signal()

# Sent for every sensitive act on an account (its e-mail address or password changed, every
# session ended), with ``action`` (an audit action name), ``actor``, ``account``, ``note`` and
# ``client_address``: the registry, which owns the audit trail, records it in the same
# transaction (accounts is the bottom layer and imports no other app).
account_event = Signal()

# Sent with ``account`` when the account is secured after "this wasn't me": whatever the
# account's owner had started that someone else could still use (handover codes) is cancelled.
account_secured = Signal()

# Sent with ``account`` while an account is being closed (in its transaction, before it is
# anonymised): apps above the registry end and erase what they keep of it (help requests).
account_closing = Signal()

# Sent with ``account`` when the account's data is downloaded: each receiver returns a dict of
# sections to add (apps above the registry add what they keep, such as help requests).
data_export_sections = Signal()
