"""Signed checkpoints: an HMAC-SHA256 under a secret key, so that a rewritten file is refused.

A checkpoint's SHA-256 checksum catches damage (a truncated file, a flipped bit, a write cut
short), but anyone who can write the file can also recompute it. A key closes that gap: with
one, :func:`streamad.persist.save` adds the HMAC-SHA256 of what the checksum covers, and
:func:`streamad.persist.load` refuses a file whose HMAC does not match under the key it is given.
While a key is set, an unsigned file is refused too; a signed file is refused without its key.

The key is the ``key`` argument of ``save`` and ``load`` or, when that is None, the
environment variable ``STREAMAD_CHECKPOINT_KEY`` (its text, encoded as UTF-8). The file records
a short key id (an HMAC of a fixed text, which reveals nothing about the key) so that a wrong
key is told apart from a changed file.
"""

from __future__ import annotations

import hashlib
import hmac
import os

__all__ = ["ENV", "key_id", "resolve_key", "sign", "verify"]

ENV = "STREAMAD_CHECKPOINT_KEY"
_ID_TEXT = b"streamad checkpoint key id"


def resolve_key(key: bytes | str | None) -> bytes | None:
    """The key to sign with: ``key`` as bytes, else ``$STREAMAD_CHECKPOINT_KEY``, else None.

    An empty key is a ``ValueError``: it would sign nothing a person could not forge.

    Examples
    --------
    >>> from streamad.persist.signing import resolve_key
    >>> resolve_key("s3cret"), resolve_key(b"s3cret")
    (b's3cret', b's3cret')
    """
    if key is None:
        text = os.environ.get(ENV)
        if text is None:
            return None
        if not text:
            raise ValueError(f"{ENV} is set but empty: unset it, or set it to a long random secret")
        return text.encode("utf-8")
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError(f"a checkpoint key is bytes or a str, not a {type(key).__name__}")
    if not key:
        raise ValueError("a checkpoint key must not be empty")
    return bytes(key)


def key_id(key: bytes) -> str:
    """A short public id of ``key``, to tell a wrong key from a changed file.

    Examples
    --------
    >>> from streamad.persist.signing import key_id
    >>> len(key_id(b"s3cret")), key_id(b"s3cret") == key_id(b"other")
    (16, False)
    """
    return hmac.new(key, _ID_TEXT, hashlib.sha256).hexdigest()[:16]


def sign(key: bytes, prefix: bytes, payload: bytes | memoryview) -> str:
    """The hex HMAC-SHA256 under ``key`` of ``prefix`` followed by ``payload``.

    Examples
    --------
    >>> import hashlib, hmac
    >>> from streamad.persist.signing import sign
    >>> mac = hmac.new(b"s3cret", b"2\\nExample\\n1\\nx", hashlib.sha256).hexdigest()
    >>> sign(b"s3cret", b"2\\nExample\\n1\\n", b"x") == mac
    True
    """
    mac = hmac.new(key, prefix, hashlib.sha256)
    mac.update(payload)
    return mac.hexdigest()


def verify(
    header: dict, key: bytes | None, prefix: bytes, payload: bytes | memoryview
) -> str | None:
    """Why a file with ``header`` may not load under ``key`` (None: it may).

    Examples
    --------
    >>> from streamad.persist.signing import key_id, sign, verify
    >>> header = {"key_id": key_id(b"k"), "hmac": sign(b"k", b"p", b"x")}
    >>> verify(header, b"k", b"p", b"x") is None
    True
    >>> verify(header, b"k", b"p", b"y")
    'signature mismatch: the file was changed after it was signed'
    """
    how = f"pass the key as `key=` or set the environment variable {ENV}"
    if "hmac" not in header:
        if key is None:
            return None
        return (
            f"it is not signed, but a checkpoint key is set (`key=` or {ENV}): while a key is "
            f"set only files signed with it load, since anyone may have rewritten an unsigned "
            f"one; save it again with the key, or load it without one if you trust it"
        )
    if key is None:
        return f"it is signed with a key (key id {header['key_id']}): {how} to load it"
    if not hmac.compare_digest(header["key_id"], key_id(key)):
        return (
            f"it is signed with another key (key id {header['key_id']}; the key given has "
            f"id {key_id(key)})"
        )
    if not hmac.compare_digest(header["hmac"], sign(key, prefix, payload)):
        return "signature mismatch: the file was changed after it was signed"
    return None
