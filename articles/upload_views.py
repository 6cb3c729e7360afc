"""CKEditor's image upload, with every file checked by clean_uploaded_image first.

django-ckeditor's own view stores what it is sent (it only asks Pillow whether the file
opens) and is exempt from CSRF checks. This one answers in the two ways CKEditor 4 expects:
a small script calling back into the image dialog (when CKEditorFuncNum is given) or JSON for
pasted and dropped images.
"""

import hmac
import os

from ckeditor_uploader import utils
from ckeditor_uploader.backends import get_backend
from ckeditor_uploader.utils import storage
from ckeditor_uploader.views import ImageUploadView, get_upload_filename
from ckeditor_uploader.views import browse as ckeditor_browse
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.utils.html import escapejs
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt

from articles.uploads import FileNotStored, clean_uploaded_image, saved_together

CSRF_FIELD = "ckCsrfToken"


def _same_editor_token(request):
    """CKEditor's own CSRF defence: the same random token in a cookie and in the form.

    CKEditor cannot send Django's CSRF token, so Django's check is off for this view; a
    cross-site form cannot read or set our cookie, so it cannot send a matching pair.
    """
    cookie = request.COOKIES.get(CSRF_FIELD, "")
    posted = request.POST.get(CSRF_FIELD, "")
    return bool(cookie) and hmac.compare_digest(cookie, posted)


class VerifiedImageUploadView(ImageUploadView):
    def post(self, request, **kwargs):
        func_num = request.GET.get("CKEditorFuncNum", "")
        func_num = func_num if func_num.isdigit() else ""
        if not _same_editor_token(request):
            return self._refuse(
                func_num, "The upload could not be verified. Reload the page and try again.", 403
            )
        uploaded = request.FILES.get("upload")
        if uploaded is None:
            return self._refuse(func_num, "Choose an image to upload.", 400)
        try:
            safe_copy = clean_uploaded_image(uploaded)
        except ValidationError as error:
            return self._refuse(func_num, " ".join(error.messages), 400)

        try:
            # The image and the thumbnail the file browser shows: both or neither.
            with saved_together():
                saved_path = get_backend()(storage, safe_copy).save_as(
                    get_upload_filename(safe_copy.name, request)
                )
        except FileNotStored as error:
            return self._refuse(func_num, error.strerror, 507)
        url = utils.get_media_url(saved_path)
        if func_num:
            return self._dialog_script(func_num, url, "")
        return JsonResponse({"uploaded": 1, "fileName": os.path.basename(saved_path), "url": url})

    def _refuse(self, func_num, message, status):
        if func_num:
            # The image dialog posts into a hidden frame that runs this script whatever the
            # status, so the 4xx still shows staff the message.
            return self._dialog_script(func_num, "", message, status=status)
        # Pasted and dropped images: CKEditor shows error.message only from a 200 answer and
        # replaces anything else with a bare "HTTP error"; "uploaded": 0 marks the refusal.
        return JsonResponse({"uploaded": 0, "error": {"message": message}})

    @staticmethod
    def _dialog_script(func_num, url, message, status=200):
        return HttpResponse(
            "<script>window.parent.CKEDITOR.tools.callFunction("
            f"{func_num}, '{escapejs(url)}', '{escapejs(message)}');</script>",
            status=status,
        )


EDITS_ARTICLES = ("articles.add_article", "articles.change_article")


def edits_articles(view):
    """Only staff whose role writes articles reach the editor's upload and file browser."""

    def check(request, *args, **kwargs):
        if not any(request.user.has_perm(permission) for permission in EDITS_ARTICLES):
            raise PermissionDenied("Uploading and browsing editor images needs an editing role.")
        return view(request, *args, **kwargs)

    return staff_member_required(check)


# Framed by the admin page that holds the editor, so same-origin framing is allowed here.
upload = edits_articles(xframe_options_sameorigin(csrf_exempt(VerifiedImageUploadView.as_view())))
browse = never_cache(edits_articles(ckeditor_browse))
