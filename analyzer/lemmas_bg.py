"""Bulgarian lemmas and stems: a word in, its dictionary form (or its stem) out.

spaCy ships no Bulgarian lemma table, so lemmas come from simplemma's Bulgarian dictionary (a
word-form -> lemma table of several hundred thousand forms, shipped inside the package: no model
download, pure Python, fast). A dictionary gets the irregular verb forms a call's formulas depend on
("благодарим" -> "благодаря", "обадихте"/"обадили" -> "обадя", "проблемът" -> "проблем") that a
suffix-stripping stemmer cannot reach. Words the dictionary lacks (rarer nouns with the definite
article: "търпението", "изчакването") are still matched through their stems: BulStem, Nakov's
rule-based inflectional stemmer for Bulgarian, is the language's stemmer (Snowball has none).
"""
from __future__ import annotations

import functools

import simplemma
from bulstem.stem import BulStemmer

# Context size 2 with rule frequency >= 2 is the setting recommended with the BulStem rule sets.
_STEM_RULES = "stem-context-2"


@functools.lru_cache(maxsize=1)
def _stemmer() -> BulStemmer:
    return BulStemmer.from_file(_STEM_RULES, min_freq=2, left_context=2)


def lemmatize_bg(word: str) -> str:
    """The dictionary form of a Bulgarian word; the word itself when the dictionary lacks it."""
    if not word:
        return word
    lemma = simplemma.lemmatize(word, lang="bg")
    # Reflexive verbs come back with their particle ("казвам-(се)", "моля-(се)"): the particle is a
    # separate spoken word, so it is not part of the lemma here.
    return lemma.split("-(")[0].casefold()


def stem_bg(word: str) -> str:
    """BulStem's stem of a Bulgarian word ("търпението" and "търпение" -> "търпени")."""
    if not word:
        return word
    return _stemmer().stem(word.casefold())
