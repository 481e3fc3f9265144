from django.dispatch import Signal

# Sent with ``user`` when a person chose a password through an e-mailed link (invitation,
# set-password or reset): the address is proven and any store invitation is accepted.
password_set_by_link = Signal()
