"""The readability stage of wordstats, in Python: how hard a text is to
read, from its sentences, words and syllables (Flesch reading ease and the
Flesch-Kincaid grade). Python suits it: a syllable heuristic for English is
a few regular expressions and string methods."""

import re

from wit_world import exports
from wit_world.exports.analysis import Readability

WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")
VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def silent_ending(word: str) -> int:
    """How many letters at the end of `word` are written but not heard:
    the "e" of "made", the "ed" of "jumped", the "es" of "makes"; not
    those of "table", "needed" or "horses"."""
    if word.endswith("es") and not word.endswith(("ses", "xes", "zes", "ces", "ges", "ches", "shes")):
        return 2
    if word.endswith("ed") and not word.endswith(("ted", "ded")):
        return 2
    if word.endswith("e") and not word.endswith("le"):
        return 1
    return 0


def syllables(word: str) -> int:
    """The syllables of an English word, estimated: groups of vowels, less
    a silent ending; never fewer than one."""
    w = word.lower().replace("'", "")
    if len(w) <= 3:
        return 1
    w = w[: len(w) - silent_ending(w)]
    if w.startswith("y"):
        w = w[1:]
    return max(1, len(VOWEL_GROUPS.findall(w)))


class Analysis(exports.Analysis):
    def score(self, text: str) -> Readability:
        words = WORD.findall(text)
        if not words:
            return Readability(flesch=0.0, grade=0.0, syllables_per_word=0.0)
        sentences = max(1, len(SENTENCE_END.findall(text)))
        per_sentence = len(words) / sentences
        per_word = sum(syllables(w) for w in words) / len(words)
        return Readability(
            flesch=206.835 - 1.015 * per_sentence - 84.6 * per_word,
            grade=0.39 * per_sentence + 11.8 * per_word - 15.59,
            syllables_per_word=per_word,
        )
