"""Run the periodic jobs once: send the e-mail outbox, escalate unanswered transfer requests,
forget old rate-limit windows.

Safe from cron at any frequency and from several machines at once: each job takes its rows
with SELECT … FOR UPDATE SKIP LOCKED, so two runs never handle the same row.
"""

from django.core.management.base import BaseCommand

from accounts import ratelimit
from accounts.emails import deliver_pending
from devices.services import escalate_expired_transfer_requests


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def handle(self, *args, **options):
        escalated = escalate_expired_transfer_requests()
        sent = failed = 0
        while True:
            batch_sent, batch_failed = deliver_pending()
            sent, failed = sent + batch_sent, failed + batch_failed
            if batch_sent + batch_failed == 0 or batch_sent == 0:
                break
        pruned = ratelimit.prune()
        self.stdout.write(
            f"transfer requests escalated: {escalated}; e-mails sent: {sent}, "
            f"failed (will retry): {failed}; rate-limit windows pruned: {pruned}"
        )
