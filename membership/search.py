"""Text normalisation that lets a search find names in any script, with or without accents."""

import unicodedata


def normalize_for_search(text: str) -> str:
    """Fold case and compatibility forms and drop combining marks: "Kraków" -> "krakow".

    Marks are removed only from Latin, Greek and Cyrillic letters, where readers type names
    without them; in scripts such as Devanagari or Thai the marks are part of the letters.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = []
    previous_base = ""
    for char in decomposed:
        if unicodedata.combining(char) and _is_alphabetic_latin_like(previous_base):
            continue
        kept.append(char)
        if not unicodedata.combining(char):
            previous_base = char
    folded = unicodedata.normalize("NFC", "".join(kept))
    folded = folded.replace("ß", "ss").replace("ł", "l").replace("ø", "o")
    # Arabic: alef with hamza or madda is usually typed as plain alef, and alef maksura as yeh.
    folded = folded.translate(_ARABIC_FOLDS)
    return " ".join(folded.split())


_ARABIC_FOLDS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي"})


def _is_alphabetic_latin_like(char: str) -> bool:
    if not char:
        return False
    name = unicodedata.name(char, "")
    return name.startswith(("LATIN", "GREEK", "CYRILLIC"))


# The language of a native name, from its script and, where a script serves several languages,
# the country. Names in scripts not listed here get no language tag.
_SCRIPT_LANGUAGE = {
    "Hang": "ko",
    "Kana": "ja",
    # Japanese names mixing kanji and kana (南アルプス, ひたちなか市) are tagged "Hani+Kana".
    "Hani+Kana": "ja",
    "Thai": "th",
    "Grek": "el",
    "Hebr": "he",
    "Geor": "ka",
    "Armn": "hy",
    "Sinh": "si",
    "Khmr": "km",
    "Laoo": "lo",
    "Tibt": "bo",
    "Ethi": "am",
    "Mymr": "my",
    "Beng": "bn",
    "Deva": "hi",
    "Cyrl": "ru",
    "Arab": "ar",
    "Hani": "zh-CN",
}
_COUNTRY_LANGUAGE = {
    ("Hani", "JP"): "ja",
    ("Hani", "TW"): "zh-TW",
    ("Hani", "HK"): "zh-HK",
    ("Hani", "MO"): "zh-MO",
    ("Hani", "KR"): "ko",
    ("Cyrl", "UA"): "uk",
    ("Cyrl", "BG"): "bg",
    ("Cyrl", "RS"): "sr",
    ("Cyrl", "MK"): "mk",
    ("Cyrl", "BY"): "be",
    ("Cyrl", "KZ"): "kk",
    ("Cyrl", "KG"): "ky",
    ("Cyrl", "MN"): "mn",
    ("Cyrl", "TJ"): "tg",
    ("Arab", "IR"): "fa",
    ("Arab", "AF"): "fa",
    ("Arab", "PK"): "ur",
    ("Deva", "NP"): "ne",
    ("Beng", "BD"): "bn",
    ("Ethi", "ER"): "ti",
}


def native_language(script: str, country: str) -> str:
    return _COUNTRY_LANGUAGE.get((script, country)) or _SCRIPT_LANGUAGE.get(script, "")
