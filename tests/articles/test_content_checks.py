import pytest

from articles.content_checks import check_body, check_version, publish_blocks


def messages(html, **kwargs):
    return [(c.level, c.message) for c in check_body(html, **kwargs)]


def test_body_image_without_alt_text_blocks_publishing():
    content = {"body": '<p>Text.</p><img src="/media/a.png"><img src="/media/b.png" alt="A rash">'}
    [block] = publish_blocks(content)
    assert "1 image(s)" in block
    assert check_version(content)[0].blocks  # blocking checks come first


def test_image_with_alt_text_passes():
    assert messages('<img src="/media/b.png" alt="A butterfly rash on both cheeks">') == []


@pytest.mark.parametrize(
    "html, expected",
    [
        ("<h2>A</h2><h4>B</h4>", "skips from level 2 to level 4"),
        ("<h3>First</h3>", "skips from level 1 to level 3"),
        ("<h2></h2>", "empty level-2 heading"),
        ('<p><a href="https://a.org/">click here</a></p>', "does not say where it goes"),
        ('<p><a href="https://a.org/">Read more</a></p>', "does not say where it goes"),
        ('<p><a href="https://a.org/x">https://a.org/x</a></p>', "does not say where it goes"),
        ('<p><a href="http://a.org/">Lupus guide</a></p>', "does not use https"),
        ("<p>" + "word " * 101 + "</p>", "A paragraph of 101 words"),
    ],
)
def test_each_rule_finds_its_problem_as_a_warning(html, expected):
    found = messages(html)
    assert any(expected in message and level == "warn" for level, message in found), found


def test_clean_body_has_no_findings():
    html = '<h2>What</h2><p>See <a href="https://a.org/">the lupus guide</a>.</p><h3>Why</h3>'
    assert messages(html) == []


def test_citation_without_a_source_is_flagged():
    assert any("[3]" in m for _l, m in messages("<p>Claim [1]. Other [3].</p>", source_count=2))
    assert messages("<p>Claim [1]. Other [2].</p>", source_count=2) == []


def test_checks_link_to_the_field_to_fix():
    [check] = check_body("<h2>A</h2><h4>B</h4>")
    assert check.anchor == "id_body"
