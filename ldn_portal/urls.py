from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from ldn_portal import views

handler500 = views.server_error

admin.site.site_header = f"{settings.SITE_NAME} administration"
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("ckeditor/", include("ckeditor_uploader.urls")),
    path("", include("inquiries.urls")),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    # Production serves uploads from the web server or object storage, not from Django.
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
