import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "localadmin"


class Command(BaseCommand):
    help = (
        "For local development only: create a superuser if no staff account exists, and print "
        "its user name and a random password once. Refuses to run with debug off."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_local_staff is for local development (DJANGO_DEBUG on).")
        User = get_user_model()
        if User.objects.filter(is_staff=True).exists():
            self.stdout.write("A staff account exists already; none created.")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(USERNAME, email="", password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created local staff account. User name: {USERNAME}  Password: {password}\n"
                "This password is shown once; change it in the admin if you keep this database."
            )
        )
