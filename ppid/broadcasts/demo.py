"""Demo broadcast: placeholder, filled below."""


def seed_broadcasts(summary):
    return None
