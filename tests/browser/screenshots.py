"""Screenshots of browser walks, kept for people to look at."""

from pathlib import Path

SHOTS = Path("/work/shots/reading")


def shot(page, name, **kwargs):
    if SHOTS.parent.is_dir():
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), **kwargs)
