"""W3C Bitstring Status List: which credentials are revoked, as one compressed bitstring.

Bit ``i`` (counted from the most significant bit of the first byte) is 1 when the credential
whose ``statusListIndex`` is ``i`` is revoked. The list has at least 131,072 entries (16 KiB,
the minimum the specification sets so that one index says little about a holder), is GZIP
compressed and multibase base64url-encoded (``u`` prefix, no padding).
"""

from __future__ import annotations

import base64
import gzip

STATUS_PURPOSE = "revocation"
LIST_SIZE = 131_072  # bits in one list


def encode_list(revoked: set[int], size: int = LIST_SIZE) -> str:
    bits = bytearray(size // 8)
    for index in revoked:
        if not 0 <= index < size:
            raise ValueError(f"status index {index} outside the list (0..{size - 1})")
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode_list(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList is not multibase base64url")
    data = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def is_set(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise ValueError(f"status index {index} outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def list_number(index: int) -> int:
    """Which list (1, 2, ...) holds a global index; the position in it is ``index % LIST_SIZE``."""
    return index // LIST_SIZE + 1
