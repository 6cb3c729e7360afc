"""Emergency phrases: the one reviewed list that flags a reader's message as urgent.

A message that mentions any of these is marked urgent when it is saved and goes to the top of
the triage list. The list errs on the side of flagging: a false alarm costs a staff member a
minute, a missed emergency could cost a life. Matching is case-insensitive and on whole words
("stroke" matches "I think I had a stroke" but not "strokes of luck"), and any run of spaces or
hyphens between words counts as one.

Change this list only with a second person reviewing it, and add a test for each new phrase
to tests/inquiries/test_closing_the_loop.py.
"""

import re

# Each entry is a regular expression for one phrase, in lower case; spaces match any run of
# whitespace or hyphens. Apostrophes match straight or curly ones, or none.
PHRASES = [
    # Heart and breathing
    r"chest pains?",
    r"pain in (?:my|the) chest",
    r"heart attack",
    r"(?:cannot|can not|can'?t|could not|couldn'?t|unable to|struggling to|hard to) breathe?",
    r"(?:trouble|difficulty|difficulties) breathing",
    r"short(?:ness)? of breath",
    r"choking",
    # Suicide and self-harm
    r"suicid(?:e|al)",
    r"kill(?:ing)? myself",
    r"end(?:ing)? my (?:own )?life",
    r"take my (?:own )?life",
    r"(?:don'?t|do not) want to (?:live|be alive)",
    r"harm(?:ing)? myself",
    r"hurt(?:ing)? myself",
    r"self harm",
    # Stroke signs (FAST)
    r"stroke",
    r"face (?:is )?droop(?:ing|s|y)?",
    r"drooping face",
    r"slurred speech",
    r"slurring (?:my )?(?:words|speech)",
    r"sudden (?:weakness|numbness|confusion)",
    r"can'?t (?:move|feel) (?:my )?(?:arm|leg|face)",
    # Poisoning, fits, bleeding, collapse
    r"overdos(?:e|ed|ing)",
    r"took too many (?:pills|tablets)",
    r"seizures?",
    r"convulsions?",
    r"fitting",
    r"severe bleeding",
    r"bleeding heavily",
    r"(?:won'?t|will not) stop bleeding",
    r"coughing (?:up )?blood",
    r"vomiting blood",
    r"unconscious",
    r"passed out",
    r"collapsed",
    r"anaphyla(?:xis|ctic)",
    r"throat (?:is )?(?:closing|swelling)",
]


def _pattern(phrase):
    return phrase.replace("'", "['’]").replace(" ", r"[\s-]+")


_URGENT = re.compile(r"\b(?:" + "|".join(_pattern(p) for p in PHRASES) + r")\b", re.IGNORECASE)


def urgent_phrases(text):
    """The emergency phrases found in `text`, in the order they appear (empty if none)."""
    return [match.group(0) for match in _URGENT.finditer(text or "")]


def is_urgent(text):
    return _URGENT.search(text or "") is not None
