"""Text that people type, made safe to show to others."""

from typing import Any

from django import forms

# Characters that change how text is shown without being seen themselves:
# - the explicit embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069). Right-to-
#   left text needs none of them; typed into a name they make staff read it backwards ("evil"
#   shown as "live");
# - the zero-width space (U+200B), word joiner (U+2060), soft hyphen (U+00AD) and byte-order
#   mark (U+FEFF), which make "Praha" and "Pra\u00adha" look the same and compare different.
# The marks U+200E and U+200F, and the joiners U+200C and U+200D that Persian and Indic
# spellings need, are kept.
INVISIBLE = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200B, 0x2060, 0x00AD, 0xFEFF]
)


def strip_invisible(value: str) -> str:
    return value.translate(INVISIBLE)


class TypedTextField(forms.CharField):
    """A text field that drops invisible characters before it checks the text, so that input
    made of them alone is refused as empty."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = strip_invisible(value)
        return super().to_python(value)
