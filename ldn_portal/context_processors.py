from django.conf import settings


def organization_notices():
    """The site-wide notices with the organization's name and contact filled in."""
    values = {"organization": settings.ORGANIZATION_NAME, "contact": settings.CONTACT_EMAIL}
    return {
        "SITE_NAME": settings.SITE_NAME,
        "ORGANIZATION_NAME": settings.ORGANIZATION_NAME,
        "CONTACT_EMAIL": settings.CONTACT_EMAIL,
        "IMAGE_RIGHTS_NOTICE": settings.IMAGE_RIGHTS_NOTICE.format(**values),
        "MEDICAL_DISCLAIMER": settings.MEDICAL_DISCLAIMER.format(**values),
    }


def site(request):
    return organization_notices()
