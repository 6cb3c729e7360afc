"""Steps staff take in the admin, for browser walks."""

PASSWORD = "correct horse battery staple"


def log_in(page, base_url, username):
    page.goto(base_url + "/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def type_in_editor(page, text):
    """Click at the end of the CKEditor document and type, as a person would."""
    body = page.frame_locator(".cke_wysiwyg_frame").locator("body")
    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def save_and_continue(page):
    page.click("input[name=_continue]")
    page.wait_for_load_state("load")
