from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import two_factor


class Command(BaseCommand):
    help = (
        "Reset a staff member's two-factor sign-in (lost phone): removes their authenticator "
        "app and recovery codes, so their next sign-in enrols again. Recorded in the audit log "
        "under the superuser given with --by."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The staff member whose second factor is reset.")
        parser.add_argument(
            "--by", required=True, metavar="SUPERUSER", help="Your own (superuser) user name."
        )

    def handle(self, *args, username, by, **options):
        User = get_user_model()
        superuser = User.objects.filter(username=by, is_superuser=True, is_active=True).first()
        if superuser is None:
            raise CommandError(f"--by must name an active superuser; {by!r} is not one.")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username!r}.")
        removed = two_factor.reset(user, by=superuser)
        self.stdout.write(
            f"Two-factor sign-in reset for {username} ({removed} device(s) removed). "
            "They enrol again at their next sign-in."
        )
