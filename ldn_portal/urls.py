from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from articles import upload_views
from ldn_portal import staff_home, views

handler403 = views.permission_denied
handler500 = views.server_error

admin.site.site_header = f"{settings.SITE_NAME} administration"
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Under /admin/ so it gets the staff area's policy and is never cached for readers.
    path("admin/two-factor/", include("accounts.urls")),
    # The admin index is the staff home (its panels are in ldn_portal/staff_home.py).
    path("admin/", staff_home.index, name="staff_home"),
    path("admin/", admin.site.urls),
    # django-ckeditor's URL names, with uploads checked by articles.uploads (issue 7).
    path("ckeditor/upload/", upload_views.upload, name="ckeditor_upload"),
    path("ckeditor/browse/", upload_views.browse, name="ckeditor_browse"),
    path("", include("inquiries.urls")),
    path("", include("glossary.urls")),
    path("", include("articles.urls")),
]

if settings.BENCH_VIEWS:
    from ldn_portal import bench

    urlpatterns += [path("_bench/constant/<int:size>/", bench.constant_page)]

if settings.DEBUG:
    # Production serves uploads from the web server or object storage, not from Django.
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
