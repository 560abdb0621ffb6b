"""The issuer's signing keys: the current RSA key that signs new credentials, and the public
halves of every key that still has credentials out in the world.

Open Badges 3.0, "Proofs (Signatures)" → "JSON Web Token Proof Format": RS256 is the algorithm
every verifier supports, and the JOSE header's `kid` is a URI that dereferences to a JWK of the
public key (never with "d", or any other private member). Key ids are RFC 7638 thumbprints, so a
key's id follows from the key itself and survives a restart or a move between servers.

Rotation: make a new key (`generate_key_pem`), point BADGE_SIGNING_KEY_FILE at it, and add the old
file to BADGE_RETIRED_KEY_FILES. Credentials signed by the old key keep verifying, because its
public half is still published.

The private key is never logged, never put in JSON and never served: only `public_jwk` output
leaves this module.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, current_app
from joserfc.jwk import RSAKey

SIGNING_ALGORITHM = "RS256"
MINIMUM_KEY_BITS = 2048
DEV_KEY_FILENAME = "badge-signing-key.pem"
# RFC 7517/7518: the members of an RSA JWK that are public. Anything else is left out on purpose.
_PUBLIC_RSA_MEMBERS = ("kty", "n", "e")


class SigningKeyMissing(RuntimeError):
    """No usable signing key: the message says which setting to change."""


@dataclass(frozen=True)
class KeyRing:
    current: RSAKey  # with its private part: signs new credentials
    published: tuple[RSAKey, ...]  # public halves only: the current key first, then retired keys


def generate_key_pem(bits: int = 3072) -> bytes:
    """A new RSA private key as unencrypted PKCS#8 PEM (store it with file mode 0600)."""
    if bits < MINIMUM_KEY_BITS:
        raise ValueError(f"An RSA signing key needs at least {MINIMUM_KEY_BITS} bits.")
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def key_id(key: RSAKey) -> str:
    """RFC 7638 JWK thumbprint (base64url of SHA-256): the same for a key's private and public
    halves, so a retired key loaded from its public PEM keeps the id its credentials carry."""
    return key.thumbprint()


def public_jwk(key: RSAKey) -> dict:
    """The key's public members only, labelled for RS256 signatures."""
    members = key.as_dict(private=False)
    jwk = {name: members[name] for name in _PUBLIC_RSA_MEMBERS}
    jwk.update({"kid": key_id(key), "alg": SIGNING_ALGORITHM, "use": "sig"})
    return jwk


def public_jwks() -> dict:
    """The JWK Set (RFC 7517 section 5) of every published key, current first."""
    return {"keys": [public_jwk(key) for key in signing_keys().published]}


def signing_keys() -> KeyRing:
    """The app's key ring, read from BADGE_SIGNING_KEY_FILE and BADGE_RETIRED_KEY_FILES.

    Cached per app until a key file changes (its modification time), so a rotation takes effect
    without a restart. Without BADGE_SIGNING_KEY_FILE, development and tests use a key generated
    once in the instance folder; production raises SigningKeyMissing.
    """
    app = current_app._get_current_object()
    current_path = _current_key_path(app)
    retired_paths = _retired_key_paths(app.config.get("BADGE_RETIRED_KEY_FILES"))
    fingerprint = tuple((str(path), _mtime(path)) for path in (current_path, *retired_paths))
    with _cache_lock:
        cached = _cache.get(app)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
    ring = _load_ring(current_path, retired_paths)
    with _cache_lock:
        _cache[app] = (fingerprint, ring)
    return ring


_cache: weakref.WeakKeyDictionary[Flask, tuple[tuple, KeyRing]] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def _current_key_path(app: Flask) -> Path:
    configured = app.config.get("BADGE_SIGNING_KEY_FILE")
    if configured:
        return Path(configured)
    if not _may_generate_key(app):
        raise SigningKeyMissing(
            "Badge credentials cannot be signed: set BADGE_SIGNING_KEY_FILE to the path of a PEM "
            f"RSA private key of at least {MINIMUM_KEY_BITS} bits (see the README on badge keys)."
        )
    return _development_key(Path(app.instance_path) / DEV_KEY_FILENAME)


def _may_generate_key(app: Flask) -> bool:
    # config.py records no config name. Development and testing are the configurations that
    # send cookies over plain HTTP; production never does, so it never gets a throwaway key.
    return bool(app.debug or app.testing or not app.config.get("SESSION_COOKIE_SECURE", True))


def _development_key(path: Path) -> Path:
    """Generate the development key once; later calls (and other processes) reuse it."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".badge-key-")  # mode 0600
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(generate_key_pem())
        os.chmod(temporary, 0o600)
        # A link never replaces an existing file: when two processes race, the first wins and
        # both then read the same key.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return path


def _retired_key_paths(setting: str | Iterable[str] | None) -> list[Path]:
    if not setting:
        return []
    parts = setting.split(os.pathsep) if isinstance(setting, str) else list(setting)
    return [Path(part.strip()) for part in parts if part and part.strip()]


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _load_ring(current_path: Path, retired_paths: list[Path]) -> KeyRing:
    current = _read_key(current_path, "BADGE_SIGNING_KEY_FILE")
    if not current.is_private:
        raise SigningKeyMissing(
            f"BADGE_SIGNING_KEY_FILE ({current_path}) holds a public key; "
            "it must name the private key."
        )
    published = [_public_half(current)]
    seen = {key_id(current)}
    for path in retired_paths:
        retired = _public_half(_read_key(path, "BADGE_RETIRED_KEY_FILES"))
        if key_id(retired) not in seen:
            seen.add(key_id(retired))
            published.append(retired)
    return KeyRing(current=current, published=tuple(published))


def _read_key(path: Path, setting: str) -> RSAKey:
    try:
        pem = path.read_bytes()
    except OSError as error:
        raise SigningKeyMissing(
            f"{setting} names {path}, which cannot be read ({error.strerror})."
        ) from None
    native = _load_pem(pem)
    if not isinstance(native, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        # The message names the file but never echoes what is in it.
        raise SigningKeyMissing(f"{setting} names {path}, which is not a PEM RSA key.")
    if native.key_size < MINIMUM_KEY_BITS:
        raise SigningKeyMissing(
            f"{setting} names {path}, an RSA key of {native.key_size} bits; "
            f"signing keys need at least {MINIMUM_KEY_BITS}."
        )
    return RSAKey.import_key(native)


def _load_pem(pem: bytes) -> object | None:
    try:
        return serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        pass
    try:
        return serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        return None


def _public_half(key: RSAKey) -> RSAKey:
    return RSAKey.import_key(key.public_key)
