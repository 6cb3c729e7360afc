"""Staff roles: Authors write and submit for review; Editors also publish and manage the
vocabulary (topics, authors, disclaimers). The inquiries app adds "Inquiry staff" itself."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

AUTHORS = [
    "add_article", "change_article", "view_article",
    "add_source", "change_source", "delete_source", "view_source",
    "add_articleauthor", "change_articleauthor", "delete_articleauthor", "view_articleauthor",
    "view_topic", "view_author", "view_disclaimer",
]  # fmt: skip
EDITORS = AUTHORS + [
    "publish_article",
    "add_topic", "change_topic", "delete_topic",
    "add_author", "change_author", "delete_author",
    "add_disclaimer", "change_disclaimer", "delete_disclaimer",
]  # fmt: skip
ROLES = {"Authors": AUTHORS, "Editors": EDITORS}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label="articles", codename__in=codenames
        )
        group.permissions.add(*permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_search_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
