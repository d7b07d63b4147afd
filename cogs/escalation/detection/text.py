"""Normalisation: one string of words per message, identical for the lexicon's phrases and for
messages, so one Aho-Corasick pass finds every phrase.

A message becomes ``" w1 w2 . w3 , w4 "``: lower case, accents and invisible characters removed
(so "suicidarme", "suicidárme" and "SUICIDARME" are one word, and Spanish may be typed without
accents), full-width and look-alike letters folded (NFKD; Cyrillic "і" in a Latin word), curly
quotes unified, digits and symbols inside words read as letters ("k1ll", "my$elf"), contractions
and chat spellings expanded ("I'm" -> "i am", "wanna" -> "want to", "xq" -> "porque"), repeated
letters collapsed when that gives a word the lexicon knows ("kiiiill" -> "kill"), filler words
dropped ("I just really want to die" -> "i want to die"), a few past forms turned to the present
with a "_past" marker before them ("wanted" -> "_past want"). Sentence punctuation becomes ".",
clause punctuation ",", double quotes '"'.

Speed: folding is character by character and keeps whitespace whitespace, so a message is split
on whitespace as typed and each distinct piece ("Tonight.", "I'm", "suicidárme") is folded,
normalised and coded once and remembered (chat reuses a small vocabulary): a message is one
``str.split`` and one dictionary pass for its codes, and a second pass for its words and modifier
bits only when the automaton found a head.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import reduce
from itertools import chain
from operator import itemgetter, or_

SENTENCE = "."
CLAUSE = ","
QUOTE = '"'
PAST = "_past"  # marker before a verb that was in the past tense
BOUNDARIES = frozenset({SENTENCE, CLAUSE, QUOTE})

WORD_CACHE_SIZE = 50_000
# In a message's modifier bits (the others are the modifier lists', in ``modifiers``): a word
# that starts with a digit ("took 30 pills").
BIT_NUMBER = 256
_BOUNDARY_CHARS = frozenset(BOUNDARIES)

# ASCII punctuation, one byte to one byte (fast): sentence ends -> ".", clause breaks -> ",",
# markup and symbols -> space. "'", "@", "$" and digits stay: they may be part of a word.
_SENTENCE_CHARS = b"!?;:\n\r"
_CLAUSE_CHARS = b"()[]{}"
_SPACE_CHARS = b"-*_~/\\|#<>=+^\t"
_ASCII = bytes.maketrans(
    _SENTENCE_CHARS + _CLAUSE_CHARS + _SPACE_CHARS + b"`",
    b"." * len(_SENTENCE_CHARS) + b"," * len(_CLAUSE_CHARS) + b" " * len(_SPACE_CHARS) + b"'",
)
# Non-ASCII characters that mean something before accents and symbols are dropped.
_UNICODE = str.maketrans(
    {
        **dict.fromkeys("’‘ʼ´′ʹ‛", "'"),
        **dict.fromkeys("“”„‟«»〝〞＂", '"'),
        **dict.fromkeys("—–‒―", ","),
        **dict.fromkeys("¿¡…。", "."),
        "\u00a0": " ",
        # laughing emoji: "lol" (a joke marker, unless something serious goes with it)
        **dict.fromkeys("💀😂🤣😆😹", " lol "),
        # letters of other scripts that look like Latin ones ("kіll" with a Cyrillic і)
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ı": "i",
        "ѕ": "s",
        "ԁ": "d",
        "ј": "j",
        "ӏ": "l",
        "ο": "o",
        "α": "a",
        "ε": "e",
        "ι": "i",
        "κ": "k",
    }
)
_SPECIAL = frozenset("’‘ʼ´′ʹ‛“”„‟«»〝〞＂—–‒―¿¡…。\u00a0аеорсухіıѕԁјӏοαεικ💀😂🤣😆😹")
_BANG_IN_WORD = re.compile(r"(?<=[a-z])!+(?=[a-z])")
_LOOKALIKES = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_LOOKALIKE_CHARS = frozenset("01345 7@$".replace(" ", ""))
_REPEATS = re.compile(r"([a-z])\1+")
_NOT_SUFFIX = {"ca": "can", "wo": "will", "ai": "am", "sha": "shall"}
_IS_AFTER = frozenset({"it", "that", "what", "there", "he", "she", "who", "here", "where", "how"})
# "want 2 die": a bare "2" after one of these words means "to".
_TWO_MEANS_TO = ("want", "going", "need", "wish", "have", "ready", "about", "planning", "try")


Coded = tuple[str, str, int]  # a raw word's codes, normalised words and modifier bits
# A whitespace-separated piece of the message as typed, before folding ("Tonight." or "I'm"): the
# codes, normalised words and modifier bits of the raw words it folds into, and how many those are.
Token = tuple[str, tuple[str, ...], int, int]
_first: Callable[[Coded | Token], str] = itemgetter(0)
_words_of: Callable[[Token], tuple[str, ...]] = itemgetter(1)
_mask_of: Callable[[Token], int] = itemgetter(2)
_count_of: Callable[[Token], int] = itemgetter(3)
_chain = chain.from_iterable


def collapse(word: str) -> str:
    """Runs of one letter become one letter: 'soooo' -> 'so', 'kill' -> 'kil'."""
    return _REPEATS.sub(r"\1", word)


def fold(text: str) -> str:
    """Lower case ASCII with accents, invisible characters and symbols of other scripts removed,
    and punctuation turned into the boundary characters."""
    return spaced(fold_words(text))


def fold_words(text: str) -> str:
    """`fold` without spaces around the boundary characters: "tonight." stays one raw word (the
    per-word cache splits it once, instead of every message being rewritten three times)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        if not _SPECIAL.isdisjoint(text):
            text = text.translate(_UNICODE)
        text = text.encode("ascii", "ignore").decode("ascii")
    text = text.lower()
    if "!" in text:
        text = _BANG_IN_WORD.sub("i", text)
    return text.encode("ascii").translate(_ASCII).decode("ascii")


def spaced(text: str) -> str:
    """The boundary characters as words of their own."""
    if "." in text:
        text = text.replace(".", " . ")
    if "," in text:
        text = text.replace(",", " , ")
    if '"' in text:
        text = text.replace('"', ' " ')
    return text


class _Words(dict[str, str]):
    """raw word -> its normalised words ("" when dropped), computed once per distinct word."""

    def __init__(self, normaliser: Normaliser, collapse: bool) -> None:
        super().__init__()
        self.normaliser = normaliser
        self.collapse = collapse

    def __missing__(self, raw: str) -> str:
        value = self.normaliser.word(raw, collapse=self.collapse)
        if len(self) >= WORD_CACHE_SIZE:
            self.clear()
        self[raw] = value
        return value


# Word codes: every word the lexicon knows is two characters, the first from printable ASCII and
# the second from the upper half of Latin-1, so a message becomes a short one-byte-per-character
# string for the automaton: whole words by construction (a code can only start at an even
# position, the two alphabets being disjoint), few children per trie node, and the position of a
# hit halved is the index of its first word.
_FIRST = "".join(chr(c) for c in range(0x21, 0x7F))  # 94
_SECOND = "".join(chr(c) for c in range(0xA1, 0x100))  # 95
CODE_WIDTH = 2
UNKNOWN = " \xa0"  # a word the lexicon does not know (no key contains it)
NEVER = "\x01"  # in no message's codes


class _Codes(dict[str, Coded]):
    """raw word -> (the codes of its normalised words, those words, their modifier bits),
    computed once per distinct word: a message is then one dictionary pass."""

    def __init__(self, normaliser: Normaliser) -> None:
        super().__init__()
        self.normaliser = normaliser

    def __missing__(self, raw: str) -> Coded:
        normaliser = self.normaliser
        codes, bits = normaliser.codes, normaliser.bits
        if _BOUNDARY_CHARS.isdisjoint(raw) or raw in BOUNDARIES:
            words = normaliser._words[raw]
        else:  # "tonight." -> "tonight ."
            words = " ".join(filter(None, map(normaliser._words.__getitem__, spaced(raw).split())))
        split = words.split()
        mask = 0
        for word in split:
            mask |= bits.get(word, 0)
            if word[:1].isdigit():
                mask |= BIT_NUMBER
        value = ("".join(codes.get(w, UNKNOWN) for w in split), words, mask)
        if len(self) >= WORD_CACHE_SIZE:
            self.clear()
        self[raw] = value
        return value


class _Tokens(dict[str, Token]):
    """piece as typed -> its Token, computed once per distinct piece: folding is character by
    character and whitespace stays whitespace, so folding each piece is folding the message."""

    def __init__(self, coded: _Codes) -> None:
        super().__init__()
        self.coded = coded

    def __missing__(self, piece: str) -> Token:
        value = token(list(map(self.coded.__getitem__, fold_words(piece).split())))
        if len(self) >= WORD_CACHE_SIZE:
            self.clear()
        self[piece] = value
        return value


class _PieceCodes(dict[str, str]):
    """piece as typed -> its codes alone (what every message needs; the rest only with a head)."""

    def __init__(self, tokens: _Tokens) -> None:
        super().__init__()
        self.tokens = tokens

    def __missing__(self, piece: str) -> str:
        value = self.tokens[piece][0]
        if len(self) >= WORD_CACHE_SIZE:
            self.clear()
        self[piece] = value
        return value


def _drops_spaces(text: str) -> bool:
    """Whitespace that str.split sees but folding drops (joining the words around it): a message
    with one of these is folded whole, not piece by piece."""
    return "\x85" in text or "\u1680" in text or "\u2028" in text or "\u2029" in text


def token(coded: list[Coded]) -> Token:
    """Raw words taken together."""
    mask = 0
    for _, _, bits in coded:
        mask |= bits
    words = tuple(" ".join(filter(None, [c[1] for c in coded])).split())
    return "".join(map(_first, coded)), words, mask, len(coded)


class Normaliser:
    """Turns text into a space-padded string of normalised words.

    words: whole-word replacements ("im" -> "i am", "xq" -> "porque", "wanted" -> "_past want");
    fillers: words dropped; vocabulary: the words the lexicon uses (a misspelt word with repeated
    letters is collapsed onto one of them)."""

    def __init__(self, words: Mapping[str, str], fillers: Iterable[str]) -> None:
        self.replacements = dict(words)
        self.fillers = frozenset(fillers)
        self.vocabulary: frozenset[str] = frozenset()
        self._collapsed: dict[str, str] = {}
        self._words = _Words(self, collapse=True)
        self._keys = _Words(self, collapse=False)
        self.codes: dict[str, str] = {}
        self.bits: dict[str, int] = {}  # word -> the modifier lists it is in (set by the rules)
        self._coded = _Codes(self)
        self._tokens = _Tokens(self._coded)
        self._piece_codes = _PieceCodes(self._tokens)
        self.sentence_code = self.code(SENTENCE)

    def code(self, word: str) -> str:
        """The word's one-character code, given to it now if it has none (a moderator's phrase
        may bring new words: the message codes seen so far are then forgotten)."""
        found = self.codes.get(word)
        if found is None:
            high, low = divmod(len(self.codes), len(_SECOND))
            if high >= len(_FIRST):
                raise ValueError("too many distinct words for the word codes")
            found = self.codes[word] = _FIRST[high] + _SECOND[low]
            self._coded.clear()
            self._tokens.clear()
            self._piece_codes.clear()
        return found

    def assign(self, words: Iterable[str]) -> None:
        """Codes for these words, in this order (those that have none yet)."""
        for word in words:
            self.code(word)

    def code_key(self, key: str) -> str:
        """A phrase key's codes: "kill myself" -> two characters."""
        return "".join(map(self.code, key.split()))

    def learn(self, vocabulary: Iterable[str]) -> None:
        """The lexicon's words: repeated letters in a message are collapsed onto these."""
        self.vocabulary = frozenset(vocabulary)
        collapsed: dict[str, str] = {}
        for word in sorted(self.vocabulary | set(self.replacements), key=len):
            collapsed[collapse(word)] = word  # the longer spelling wins a tie
        self._collapsed = collapsed
        self._words.clear()

    def word(self, raw: str, *, collapse: bool = True) -> str:
        """One raw (folded) word's normalised words, space separated."""
        out: list[str] = []
        if "'" in raw:
            # 'single quotes' around words are quotation marks ("'let me die' he says"); an
            # apostrophe inside a word is a contraction
            if len(raw) > 1 and raw[0] == "'" and raw[1].isalpha():
                out.append(QUOTE)
            if len(raw) > 2 and raw[-1] == "'" and raw[-2].isalpha() and raw[-2] != "s":
                closing = True
            else:
                closing = False
            parts = self._apostrophes(raw)
        else:
            closing = False
            parts = [raw]
        for part in parts:
            if not part:
                continue
            if part[0].isdigit() and part.isdigit():
                out.append("to" if part == "2" else part)  # "want 2 die"
                continue
            if not _LOOKALIKE_CHARS.isdisjoint(part) and any("a" <= c <= "z" for c in part):
                part = part.translate(_LOOKALIKES)
            replaced = self.replacements.get(part)
            if replaced is None and collapse and part not in self.vocabulary:
                # "kiiiill", "kil" -> "kill"; "wannnaaa" -> "wanna" -> "want to"
                squeezed = _REPEATS.sub(r"\1", part)
                known = self._collapsed.get(squeezed)
                if known is not None:
                    part = known
                    replaced = self.replacements.get(part)
            for piece in (replaced if replaced is not None else part).split():
                if piece not in self.fillers:
                    out.append(piece)
        if closing:
            out.append(QUOTE)
        return " ".join(out)

    def _apostrophes(self, word: str) -> list[str]:
        word = word.strip("'")
        if "'" not in word:
            return [word]
        if word.endswith("n't"):
            base = word[:-3]
            return [_NOT_SUFFIX.get(base, base), "not"]
        for suffix, expanded in (
            ("'m", "am"),
            ("'re", "are"),
            ("'ve", "have"),
            ("'ll", "will"),
            ("'d", "would"),
        ):
            if word.endswith(suffix):
                return [word[: -len(suffix)].replace("'", ""), expanded]
        if word.endswith("'s"):
            base = word[:-2].replace("'", "")
            return [base, "is"] if base in _IS_AFTER else [base]
        return [word.replace("'", "")]

    def set_bits(self, bits: dict[str, int]) -> None:
        """Which modifier lists each word is in, as bits (a message's are ORed in `encode`)."""
        self.bits = bits
        self._coded.clear()
        self._tokens.clear()
        self._piece_codes.clear()

    def code_text(self, text: str) -> tuple[str, list[str] | None]:
        """The message as word codes (ending with a sentence boundary), and its pieces as typed
        for `pieces` (None: the message is folded whole there)."""
        if "\n" in text or "\r" in text:  # folded into sentence ends, which are not whitespace
            text = text.replace("\n", ".").replace("\r", ".")
        if text.isascii() or not _drops_spaces(text):
            typed: list[str] | None = text.split()
            codes = "".join(map(self._piece_codes.__getitem__, typed))
        else:
            typed = None
            codes = "".join(map(_first, self._folded(text)))
        end = self.sentence_code
        if codes[-1:] != end:
            codes += end
        return codes, typed

    def pieces(self, text: str, typed: list[str] | None) -> list[Token]:
        """Each piece's Token (for `words`, `mask` and `count`), given what `code_text` returned."""
        if typed is not None:
            return list(map(self._tokens.__getitem__, typed))
        return self._folded(text.replace("\n", ".").replace("\r", "."))

    def _folded(self, text: str) -> list[Token]:
        return [token([self._coded[w]]) for w in fold_words(text).split()]

    def encode(self, text: str) -> tuple[str, list[Token]]:
        """The message as word codes and its pieces' Tokens."""
        codes, typed = self.code_text(text)
        return codes, self.pieces(text, typed)

    @staticmethod
    def words(pieces: list[Token]) -> list[str]:
        """The normalised words of an encoded message, one for each code."""
        words = list(_chain(map(_words_of, pieces)))
        if words[-1:] != [SENTENCE]:
            words.append(SENTENCE)
        return words

    @staticmethod
    def mask(pieces: list[Token]) -> int:
        """The modifier bits of an encoded message."""
        return reduce(or_, map(_mask_of, pieces), 0)

    @staticmethod
    def count(pieces: list[Token]) -> int:
        """How many raw words an encoded message has."""
        return sum(map(_count_of, pieces))

    def haystack(self, text: str) -> str:
        """' w1 w2 . w3 . ': the message's normalised words, space padded on both sides, ending
        with a sentence boundary (so a phrase may be sentence-final: "i have decided .")."""
        joined = " ".join(filter(None, map(self._words.__getitem__, fold(text).split())))
        if joined[-1:] != SENTENCE:
            hay = f" {joined} . "
        else:
            hay = f" {joined} "
        if " 2 " in hay:
            for word in _TWO_MEANS_TO:
                hay = hay.replace(f" {word} 2 ", f" {word} to ")
        return hay

    def key(self, text: str) -> str:
        """A phrase's normalised form (words only, no punctuation). Empty if nothing is left."""
        words = filter(None, map(self._keys.__getitem__, fold(text).split()))
        return " ".join(w for w in " ".join(words).split() if w not in BOUNDARIES)

    def tokens(self, text: str) -> list[str]:
        """The message's normalised words and boundary marks, in order."""
        return self.haystack(text).split()
