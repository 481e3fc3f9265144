"""E-mails in `make run`'s terminal read as e-mails: who, what, and the text with links whole."""

import io

from django.core.mail import EmailMultiAlternatives

from portal.mail import ReadableConsoleBackend


def test_a_long_link_is_printed_whole_and_readable():
    link = "http://127.0.0.1:8123/account/verify/" + "x" * 120 + "/"
    message = EmailMultiAlternatives(
        subject="Ověřte svůj e-mail",
        body=f"Dobrý den,\n\n{link}\n",
        to=["jana@example.com"],
    )
    message.attach_alternative("<p>html</p>", "text/html")
    stream = io.StringIO()
    ReadableConsoleBackend(stream=stream).send_messages([message])
    printed = stream.getvalue()
    assert "To: jana@example.com" in printed
    assert "Subject: Ověřte svůj e-mail" in printed
    assert link in printed  # not split by quoted-printable "=" line breaks
    assert "Content-Transfer-Encoding" not in printed
