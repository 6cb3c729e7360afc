from django.core.management import call_command
from django.test import RequestFactory
from django.test.utils import override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

MANIFEST = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}


def test_collectstatic_writes_compressed_hashed_files_served_as_immutable(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": MANIFEST}):
        # The admin's and CKEditor's thousands of files only make compression slower here.
        call_command(
            "collectstatic", interactive=False, verbosity=0, ignore_patterns=["admin", "ckeditor"]
        )
        from django.contrib.staticfiles.storage import staticfiles_storage

        hashed = staticfiles_storage.stored_name("css/site.css")
        assert hashed != "css/site.css"
        assert (tmp_path / (hashed + ".br")).exists()
        assert (tmp_path / (hashed + ".gz")).exists()

        middleware = WhiteNoiseMiddleware(lambda request: None)
        request = RequestFactory().get("/static/" + hashed, HTTP_ACCEPT_ENCODING="br, gzip")
        response = middleware(request)

    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert response["Content-Encoding"] == "br"
