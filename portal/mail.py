"""E-mail in a developer's terminal that a person can read: who, what, and the plain-text
body with its links whole (Django's console backend prints the raw MIME message, where
quoted-printable encoding breaks long lines and links with "=")."""

from django.core.mail.backends.console import EmailBackend

RULE = "-" * 79


class ReadableConsoleBackend(EmailBackend):
    def write_message(self, message):
        self.stream.write(
            f"{RULE}\nTo: {', '.join(message.to)}\nSubject: {message.subject}\n\n"
            f"{message.body.rstrip()}\n{RULE}\n"
        )
