"""Phonemes to mouth shapes (visemes), for IPA from any language and for ARPAbet.

A viseme is (open, wide, round): ``open`` the inner-lip gap as a fraction of mouth width, ``wide``
the change of mouth width, ``round`` the lip rounding 0..1, and ``dominance``, how strongly the sound
holds its shape against its neighbours (the alpha of Cohen and Massaro's coarticulation model, see
:mod:`thg.motion.speech`): vowels and lip sounds hold, tongue sounds lend the lips to their
neighbours (/h/ takes the next vowel's shape). Bilabials (p b m) close the lips completely; the
motion model enforces that, so their own dominance only pulls the neighbours a little toward closed.

``tongue`` is how far the tongue is raised toward the upper teeth, 0 (on the floor of the mouth, as
for /a/) to 1 (its tip at the teeth or the ridge behind them, as for /t d n l θ ð/), with its own
``tongue_dominance``: tongue sounds, which lend their lips to their neighbours, hold the tongue,
and the lip sounds, which do not use it, lend it to theirs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Viseme:
    open: float
    wide: float = 0.0
    round: float = 0.0
    closed: bool = False    # lips must touch (bilabials)
    dominance: float = 1.0
    tongue: float = 0.0
    tongue_dominance: float = 1.0


BILABIAL = Viseme(0.0, closed=True, dominance=0.3, tongue=0.1, tongue_dominance=0.1)

# IPA symbol (first matching character decides) -> viseme
_IPA: dict[str, Viseme] = {}
for chars, vis in (
    ("pbmɓʙɸβ", BILABIAL),
    ("fvʋɱ", Viseme(0.04, 0.02, dominance=0.8, tongue=0.1, tongue_dominance=0.1)),   # lower lip to teeth
    ("θðtdnlɬɮɾɗ", Viseme(0.09, 0.08, dominance=0.5, tongue=1.0, tongue_dominance=2.0)),  # tip at the teeth
    ("szʦʣ", Viseme(0.09, 0.08, dominance=0.5, tongue=0.6, tongue_dominance=1.5)),       # tip near them
    ("ʃʒɕʑʂʐ", Viseme(0.09, -0.08, 0.55, dominance=0.7, tongue=0.5, tongue_dominance=1.5)),
    ("kgŋxɣqɢχʁħʕhɦʔcɟçʝ", Viseme(0.16, dominance=0.3, tongue=0.2, tongue_dominance=0.3)),  # its back, unseen
    ("ɹrʀɻ", Viseme(0.10, -0.06, 0.35, dominance=0.5, tongue=0.5, tongue_dominance=1.0)),
    ("wʍɥ", Viseme(0.06, -0.25, 0.9, dominance=0.9, tongue=0.1, tongue_dominance=0.1)),
    ("jʎɲ", Viseme(0.10, 0.18, dominance=0.5, tongue=0.6, tongue_dominance=1.0)),
    ("aɑæɐäɶ", Viseme(0.42, 0.08)),
    ("ɛœeø", Viseme(0.28, 0.16, tongue=0.2)),
    ("iɪɨy", Viseme(0.14, 0.3, tongue=0.4)),
    ("əɜʌɘɵɞ", Viseme(0.24, tongue=0.1)),
    ("ɔɒoɤ", Viseme(0.32, -0.18, 0.7)),
    ("uʊɯ", Viseme(0.14, -0.28, 0.95, tongue=0.1)),
):
    for ch in chars:
        _IPA[ch] = vis
# rounded front vowels keep their rounding
_IPA["y"] = Viseme(0.13, -0.2, 0.85, tongue=0.4)
_IPA["ø"] = Viseme(0.22, -0.15, 0.75, tongue=0.2)
_IPA["œ"] = Viseme(0.3, -0.1, 0.6, tongue=0.2)

_ARPABET: dict[str, str] = {  # ARPAbet -> IPA, through which every phoneme is classified
    "AA": "ɑ", "AE": "æ", "AH": "ə", "AO": "ɔ", "AW": "aʊ", "AY": "aɪ", "EH": "ɛ", "ER": "ɜ", "EY": "eɪ",
    "IH": "ɪ", "IY": "i", "OW": "oʊ", "OY": "ɔɪ", "UH": "ʊ", "UW": "u", "B": "b", "CH": "ʃ", "D": "d",
    "DH": "ð", "F": "f", "G": "g", "HH": "h", "JH": "ʒ", "K": "k", "L": "l", "M": "m", "N": "n", "NG": "ŋ",
    "P": "p", "R": "ɹ", "S": "s", "SH": "ʃ", "T": "t", "TH": "θ", "V": "v", "W": "w", "Y": "j", "Z": "z",
    "ZH": "ʒ",
}


def to_ipa(symbol: str) -> str:
    return _ARPABET.get(symbol, symbol)


def visemes_of(symbol: str) -> list[Viseme]:
    """One viseme, two for a diphthong / affricate (onset and offset), none for silence."""
    ipa = to_ipa(symbol)
    if not ipa or ipa.startswith("("):
        return []
    shapes = [_IPA[ch] for ch in ipa if ch in _IPA]
    if not shapes:
        return [Viseme(0.15, dominance=0.5, tongue_dominance=0.5)]  # an unknown speech sound: a neutral, half-open mouth
    if len(shapes) >= 2 and shapes[0] != shapes[1]:
        return [shapes[0], shapes[1]]
    return [shapes[0]]
