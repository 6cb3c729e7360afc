from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

# django-otp's own device pages would show every secret key and let a device be removed
# unrecorded; a reset goes through `manage.py reset_two_factor`, which the audit log records.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)
