"""Text that people type, made safe to show to others."""

# Explicit embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069). Right-to-left
# text needs none of them; typed into a name they make staff read it backwards ("evil" shown
# as "live"). The marks U+200E and U+200F, which are harmless, are kept.
DIRECTION_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def strip_direction_controls(value: str) -> str:
    return value.translate(DIRECTION_CONTROLS)
