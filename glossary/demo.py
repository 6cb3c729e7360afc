"""A dozen lupus terms for a fresh install, in our own words. Idempotent (by slug)."""

from glossary.models import Term

TERMS = [
    ("ANA", "ana", "antinuclear antibody, antinuclear antibodies",
     "A blood test for antibodies that attack the centre of your own cells. Most people with "
     "lupus test positive, but so do many healthy people, so it cannot prove lupus alone."),
    ("anti-dsDNA", "anti-dsdna", "anti-double-stranded DNA, dsDNA antibodies",
     "A blood test for antibodies against your own DNA. It is more specific to lupus than ANA, "
     "and a rising level can warn of a flare or of kidney problems."),
    ("Nephritis", "nephritis", "lupus nephritis, kidney inflammation",
     "Swelling and damage in the kidneys caused by lupus. It often has no symptoms at first, "
     "which is why urine and blood tests are checked regularly."),
    ("Off-label", "off-label", "off label",
     "Using a medicine for a condition it is not licensed for. It can be legal and sensible, "
     "but no regulator has checked that it works for that use."),
    ("Compounding pharmacy", "compounding-pharmacy", "compounding pharmacies, compounded",
     "A pharmacy that makes up a medicine itself, for example in a dose no factory sells. "
     "Quality can vary, so ask your doctor which one to trust."),
    ("Flare", "flare", "flares, flare-up, flare-ups",
     "A time when lupus symptoms get worse, such as more pain, tiredness or rashes. Flares "
     "come and go; tell your care team when one starts."),
    ("Rheumatologist", "rheumatologist", "rheumatologists",
     "A doctor who specialises in joints, muscles and immune diseases such as lupus."),
    ("Autoimmune disease", "autoimmune-disease", "autoimmune, autoimmune diseases",
     "An illness in which the body's defences attack its own healthy parts. Lupus is one."),
    ("Placebo", "placebo", "placebos, dummy pill",
     "A dummy treatment with no active medicine in it. Trials compare a medicine with a "
     "placebo to see whether the medicine does more than taking something at all."),
    ("Opioid", "opioid", "opioids",
     "A strong painkiller such as codeine, tramadol or morphine, or a drug like heroin that "
     "acts in the same way on the brain."),
    ("Endorphins", "endorphins", "endorphin",
     "Chemicals your body makes that ease pain and lift mood."),
    ("Crossover trial", "crossover-trial", "crossover trials",
     "A study in which each person takes the treatment for a while and a placebo for a while, "
     "so everyone is compared with themselves."),
]  # fmt: skip


def load(stdout):
    created = 0
    for term, slug, synonyms, definition in TERMS:
        _term, made = Term.objects.get_or_create(
            slug=slug, defaults={"term": term, "synonyms": synonyms, "definition": definition}
        )
        created += made
    stdout.write(f"Glossary: {created} demo term(s) created.")
