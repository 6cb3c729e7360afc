import pytest

from articles import content_checks, demo, readability

PLAIN = "<p>Lupus can make you tired. Rest helps a bit. Ask your doctor what to do.</p>"
HARD = (
    "<p>Immunomodulatory pharmacotherapeutic interventions, administered contemporaneously "
    "with corticosteroid regimens, demonstrate considerable heterogeneity regarding "
    "documented therapeutic effectiveness across investigational populations.</p>"
)


def test_plain_text_meets_the_target_and_dense_text_does_not():
    assert readability.assess(PLAIN).meets_target
    hard = readability.assess(HARD)
    assert hard.grade > 8 and not hard.meets_target
    assert "pharmacotherapeutic" in [w.lower() for w in hard.hard_words]


def test_longest_sentences_come_first_with_their_word_counts():
    result = readability.assess("<p>Short one. This second sentence is the longest one here.</p>")
    assert result.longest_sentences[0] == ("This second sentence is the longest one here.", 8)


def test_headings_and_list_items_count_as_their_own_sentences():
    assert readability.sentences("<h2>What it is</h2><ul><li>One</li><li>Two</li></ul>") == [
        "What it is",
        "One",
        "Two",
    ]


def test_target_comes_from_the_setting(settings):
    settings.LDN_READING_GRADE_TARGET = 3
    assert readability.assess(PLAIN).target == 3


def test_reading_level_is_a_warning_never_a_block():
    checks = content_checks.check_version({"body": HARD, "sources": []})
    [level] = [c for c in checks if "Reading level" in c.message]
    assert level.level == "warn" and "Flesch-Kincaid" in level.message
    assert content_checks.publish_blocks({"body": HARD, "sources": []}) == []


@pytest.mark.parametrize(
    "body",
    [demo.MAIN_V1["body"] + demo.MAIN_V2_BODY_EXTRA + demo.MAIN_V3_BODY_EXTRA]
    + [spec["body"] for spec in demo.SHORT_ARTICLES],
)
def test_every_demo_article_meets_the_default_target(body):
    assert readability.assess(body, target=8).meets_target
