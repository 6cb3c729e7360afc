"""What the portal records without being asked: sign-ins, roles, permissions, articles."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save

from audit.models import Action, AuditEntry

# The account fields that change what a person may do.
ACCOUNT_FLAGS = ("is_staff", "is_superuser", "is_active")


def connect():
    from axes.signals import user_locked_out

    from articles.signals import article_workflow

    User = get_user_model()
    user_logged_in.connect(signed_in, dispatch_uid="audit_sign_in")
    user_logged_out.connect(signed_out, dispatch_uid="audit_sign_out")
    user_login_failed.connect(sign_in_failed, dispatch_uid="audit_sign_in_failed")
    user_locked_out.connect(locked_out, dispatch_uid="audit_lockout")
    pre_save.connect(remember_account_flags, sender=User, dispatch_uid="audit_flags_before")
    post_save.connect(account_saved, sender=User, dispatch_uid="audit_flags_after")
    m2m_changed.connect(roles_changed, sender=User.groups.through, dispatch_uid="audit_roles")
    m2m_changed.connect(
        user_permissions_changed,
        sender=User.user_permissions.through,
        dispatch_uid="audit_user_permissions",
    )
    m2m_changed.connect(
        role_permissions_changed,
        sender=Group.permissions.through,
        dispatch_uid="audit_role_permissions",
    )
    article_workflow.connect(article_action, dispatch_uid="audit_article_workflow")


def _known_user(username):
    """The account a typed user name belongs to, or None (a typo may be someone's password)."""
    if not username:
        return None
    return get_user_model().objects.filter(username=username).first()


def signed_in(sender, request, user, **kwargs):
    AuditEntry.objects.record(Action.SIGN_IN, by=user, obj=user, request=request)


def signed_out(sender, request, user, **kwargs):
    if user is not None:
        AuditEntry.objects.record(Action.SIGN_OUT, by=user, obj=user, request=request)


def sign_in_failed(sender, credentials, request=None, **kwargs):
    user = _known_user(credentials.get("username"))
    # By the account that was tried, if it exists, whoever this browser was signed in as.
    AuditEntry.objects.record(
        Action.SIGN_IN_FAILED,
        by=user or AnonymousUser(),
        obj=user,
        request=request,
        known_user=user is not None,
    )


def locked_out(sender, request, username, ip_address, **kwargs):
    user = _known_user(username)
    AuditEntry.objects.record(
        Action.LOCKOUT,
        by=user or AnonymousUser(),
        obj=user,
        request=request,
        known_user=user is not None,
    )


def remember_account_flags(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None or (update_fields and not set(update_fields) & set(ACCOUNT_FLAGS)):
        instance._audit_flags_before = None
        return
    instance._audit_flags_before = (
        sender.objects.filter(pk=instance.pk).values(*ACCOUNT_FLAGS).first()
    )


def account_saved(sender, instance, created, **kwargs):
    flags = {flag: getattr(instance, flag) for flag in ACCOUNT_FLAGS}
    if created:
        AuditEntry.objects.record(Action.ACCOUNT_CREATED, obj=instance, **flags)
        return
    before = getattr(instance, "_audit_flags_before", None)
    if before is None:
        return
    changed = {flag: value for flag, value in flags.items() if before[flag] != value}
    if changed:
        AuditEntry.objects.record(Action.ACCOUNT_FLAGS_CHANGED, obj=instance, **changed)


def _m2m_names(model, pk_set):
    return sorted(str(item) for item in model.objects.filter(pk__in=pk_set))


def _record_m2m(action, instance, reverse, model, change, pk_set, owners):
    """One entry per account or role whose roles or permissions changed.

    `owners` is the model on the owning side (User or Group); from the other side (a role's
    user_set, say) `instance` is the role and `pk_set` the accounts.
    """
    key = {"post_add": "added", "post_remove": "removed", "pre_clear": "removed"}.get(change)
    if key is None:
        return
    if change == "pre_clear":
        pk_set = set(getattr(instance, _field_name(instance, model)).values_list("pk", flat=True))
    if not pk_set:
        return
    if not reverse:
        AuditEntry.objects.record(action, obj=instance, **{key: _m2m_names(model, pk_set)})
    else:
        for owner in owners.objects.filter(pk__in=pk_set):
            AuditEntry.objects.record(action, obj=owner, **{key: [str(instance)]})


def _field_name(instance, model):
    """The many-to-many accessor on `instance` that leads to `model` (either side)."""
    for field in instance._meta.get_fields():
        if field.many_to_many and field.related_model is model:
            return field.get_accessor_name() if field.auto_created else field.name
    raise LookupError(f"No many-to-many from {instance._meta.label} to {model._meta.label}")


def roles_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    _record_m2m(Action.ROLES_CHANGED, instance, reverse, model, action, pk_set, get_user_model())


def user_permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    _record_m2m(
        Action.USER_PERMISSIONS_CHANGED, instance, reverse, model, action, pk_set, get_user_model()
    )


def role_permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    _record_m2m(Action.ROLE_PERMISSIONS_CHANGED, instance, reverse, model, action, pk_set, Group)


def article_action(sender, article, action, version=None, by=None, count=None, **kwargs):
    details = {"version": version.number} if version is not None else {}
    if count is not None:
        details["count"] = count
    # An emptied trash's articles are gone; the entry then stands for the whole trash.
    obj = article if article is not None and article.pk is not None else None
    AuditEntry.objects.record(f"article_{action}", by=by, obj=obj, **details)
