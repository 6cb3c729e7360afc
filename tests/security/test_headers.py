import pytest
from django.contrib.auth.models import User


def _directives(response):
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


@pytest.fixture
def superuser_client(client, db):
    client.force_login(User.objects.create_superuser("root", password="x" * 20))
    return client


@pytest.mark.django_db
def test_public_page_gets_the_strict_content_security_policy(client):
    response = client.get("/healthz")

    directives = _directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_public_page_gets_the_other_security_headers(client):
    response = client.get("/healthz")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "interest-cohort", "payment"):
        assert f"{feature}=()" in permissions


@pytest.mark.django_db
def test_nonce_is_added_to_script_src_only_when_a_template_uses_it(rf):
    from django.http import HttpResponse
    from django.template import engines

    from ldn_portal.security import ContentSecurityPolicyMiddleware

    def view(request):
        html = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}"></script>')
        return HttpResponse(html.render({"request": request}))

    request = rf.get("/")
    response = ContentSecurityPolicyMiddleware(view)(request)

    nonce = response.content.decode().split('nonce="')[1].split('"')[0]
    assert _directives(response)["script-src"] == ["'self'", f"'nonce-{nonce}'"]


@pytest.mark.django_db
def test_admin_pages_get_the_staff_policy_that_lets_ckeditor_run(superuser_client):
    response = superuser_client.get("/admin/")

    assert response.status_code == 200
    directives = _directives(response)
    assert directives["script-src"] == ["'self'", "'unsafe-inline'", "'unsafe-eval'"]
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_admin_login_page_gets_the_staff_policy(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert "'unsafe-eval'" in _directives(response)["script-src"]


@pytest.mark.django_db
def test_a_path_merely_starting_like_admin_keeps_the_strict_policy(client):
    response = client.get("/administration-of-lupus/")

    assert "'unsafe-inline'" not in response.get("Content-Security-Policy", "")


@pytest.mark.django_db
def test_reader_page_policy_keeps_admin_previews_under_the_strict_policy(rf):
    from django.http import HttpResponse

    from ldn_portal.security import ContentSecurityPolicyMiddleware, reader_page_policy

    @reader_page_policy
    def preview(request):
        return HttpResponse("<p>preview</p>")

    request = rf.get("/admin/articles/article/1/preview/")
    response = ContentSecurityPolicyMiddleware(preview)(request)

    directives = _directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
