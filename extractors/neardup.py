"""Near-duplicate texts: MinHash signatures over character shingles (datasketch).

Several outlets rewrite the same press release; their texts share most character
n-grams even when sentences are reordered or shortened. Character shingles suit Korean,
where word boundaries (어절) carry particles that differ between rewrites. A signature
is stored with each event as bytes, so later articles can be compared without the text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasketch import LeanMinHash

# datasketch (and numpy) are imported where a signature is made or read: datasketch's package
# pulls in scipy (about a second), which a crawl that finds nothing new should not pay for.

NUM_PERM = 128  # signature length: ±0.09 error on a Jaccard estimate at 95% confidence
SHINGLE_SIZE = 4  # characters per shingle, spaces removed: long enough to be specific in Hangul
SEED = 1  # fixed, so that signatures stored by one process compare with those of another

_NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[bytes]:
    """The set of character n-grams of ``text``, ignoring spacing and punctuation."""
    compact = _NOT_TEXT.sub("", text).lower()
    if len(compact) <= size:
        return {compact.encode("utf-8")} if compact else set()
    return {compact[i : i + size].encode("utf-8") for i in range(len(compact) - size + 1)}


def text_minhash(text: str) -> LeanMinHash:
    from datasketch import LeanMinHash, MinHash

    mh = MinHash(num_perm=NUM_PERM, seed=SEED)
    mh.update_batch(shingles(text))
    return LeanMinHash(mh)


def to_bytes(signature: LeanMinHash) -> bytes:
    buf = bytearray(signature.bytesize())
    signature.serialize(buf)
    return bytes(buf)


def signature(text: str) -> bytes:
    """The stored form of ``text``'s MinHash."""
    return to_bytes(text_minhash(text))


def signature_similarity(a: bytes, b: bytes) -> float:
    """``similarity`` of two stored signatures.

    Two signatures made here (same NUM_PERM, SEED and datasketch scheme) have the same
    header and differ only in their 32-bit hash values, which end the buffer: the
    estimate is the share of equal values, as ``LeanMinHash.jaccard`` computes it.
    Comparing them directly keeps the crawl's writer from importing datasketch, whose
    package pulls in scipy. Anything else is read by datasketch itself.
    """
    import numpy as np

    values = NUM_PERM * 4
    if len(a) == len(b) and len(a) > values and a[:-values] == b[:-values]:
        left = np.frombuffer(a, dtype=np.uint32, offset=len(a) - values)
        right = np.frombuffer(b, dtype=np.uint32, offset=len(b) - values)
        return float(np.count_nonzero(left == right)) / NUM_PERM
    return similarity(from_bytes(a), from_bytes(b))


def from_bytes(data: bytes) -> LeanMinHash:
    from datasketch import LeanMinHash

    return LeanMinHash.deserialize(bytearray(data))


def similarity(a: LeanMinHash, b: LeanMinHash) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets, 0.0 – 1.0."""
    return float(a.jaccard(b))


def text_similarity(a: str, b: str) -> float:
    return similarity(text_minhash(a), text_minhash(b))
