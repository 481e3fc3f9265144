"""run_jobs from several machines at once: every e-mail goes out exactly once."""

import threading

import pytest
from django.core import mail
from django.db import connection

from accounts.emails import deliver_pending
from accounts.models import OutgoingEmail
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_the_same_email_twice():
    user = UserFactory()
    OutgoingEmail.objects.bulk_create(
        OutgoingEmail(recipient=user.email, subject=f"mail {n}", body_text="x", template="t")
        for n in range(40)
    )
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            while deliver_pending(limit=5) != (0, 0):
                pass
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    subjects = sorted(message.subject for message in mail.outbox)
    assert len(subjects) == 40
    assert len(set(subjects)) == 40
    assert not OutgoingEmail.objects.filter(sent_at__isnull=True).exists()
