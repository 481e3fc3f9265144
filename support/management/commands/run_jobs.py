"""Run the periodic jobs once: escalate unanswered transfer requests, apply support changes
(releases, reassignments, e-mail addresses) whose objection window has passed, send the
e-mail outbox, forget old rate-limit windows, old sent e-mails and help requests whose
sender never confirmed the address.

Safe from cron at any frequency and from several machines at once: each job takes its rows
with SELECT … FOR UPDATE SKIP LOCKED, so two runs never handle the same row.
"""

from django.core.management.base import BaseCommand, CommandError

from accounts import ratelimit
from accounts.emails import deliver_pending, prune_sent
from api import idempotency
from devices.services import escalate_expired_transfer_requests
from helpdesk.services import forget_unconfirmed_help_requests
from portal.outage import is_database_outage
from support.services.accounts import apply_due_email_changes
from support.services.ownership import apply_due_ownership_changes


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def handle(self, *args, **options):
        try:
            self.run_jobs(options["verbosity"])
        except Exception as error:
            if is_database_outage(error):
                # One line, not a traceback every JOBS_INTERVAL while the database is away.
                raise CommandError(f"database unavailable ({type(error).__name__})") from None
            raise

    def run_jobs(self, verbosity):
        escalated = escalate_expired_transfer_requests()
        applied = apply_due_ownership_changes()
        addresses = apply_due_email_changes()
        sent = failed = 0
        while True:
            batch_sent, batch_failed = deliver_pending()
            sent, failed = sent + batch_sent, failed + batch_failed
            if batch_sent + batch_failed == 0 or batch_sent == 0:
                break
        pruned = ratelimit.prune()
        forgotten = prune_sent()
        unconfirmed = forget_unconfirmed_help_requests()
        replays = idempotency.prune()
        if verbosity >= 1:
            self.stdout.write(
                f"transfer requests escalated: {escalated}; support changes applied: {applied}; "
                f"e-mail address changes applied: {addresses}; "
                f"e-mails sent: {sent}, failed (will retry): {failed}; "
                f"rate-limit windows pruned: {pruned}; old sent e-mails forgotten: {forgotten}; "
                f"unconfirmed help requests deleted: {unconfirmed}; "
                f"expired API idempotency answers forgotten: {replays}"
            )
