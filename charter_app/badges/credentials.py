"""Open Badges 3.0 credentials for Charter awards: the documents, the VC-JWT signature, and the
revocation list. Pure functions: no database, no request; keys come in as a KeyRing or a JWKS.

Specifications followed (1EdTech Open Badges 3.0, https://www.imsglobal.org/spec/ob/v3p0/):
- Data model: OpenBadgeCredential (AchievementCredential), AchievementSubject, Achievement,
  Criteria, Image, Evidence, IdentityObject (with IdentityHash), Profile, CredentialStatus,
  CredentialSchema; `@context` is the W3C VC Data Model 2.0 context then the OB 3.0.3 context;
  dates are DateTimeZ (ISO 8601, UTC, with "Z").
- "Proofs (Signatures)" → "JSON Web Token Proof Format": JOSE header with only `alg` (RS256),
  `kid` (a URL that dereferences to the public JWK) and `typ` ("JWT"); the JWT payload is the
  credential itself plus `iss` = issuer.id, `jti` = id, `sub` = credentialSubject.id,
  `nbf` = validFrom and `exp` = validUntil; "Verify a Credential" and "Verify a Credential VC-JWT
  Signature" for the checks in `verify_credential`.
- 1EdTech Revocation List Status Method 1.0 (https://www.imsglobal.org/spec/vcrl/v1p0/):
  `credentialStatus` {id: the list's URL, type: "1EdTechRevocationList"}; the list holds `id`,
  `issuer` and `revokedCredentials`, each {id, revoked, revocationReason}; a credential is
  revoked when its id is listed and `revoked` is true or omitted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from charter_app.badges.signing import SIGNING_ALGORITHM, KeyRing, key_id

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
    "ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}
REVOCATION_LIST_TYPE = "1EdTechRevocationList"
KEY_PATH = "/badges/issuer/keys/"


class InvalidCredential(ValueError):
    """The token is not a credential we signed, or it is no longer valid; the message says why."""


@dataclass(frozen=True)
class CredentialFacts:
    credential_id: str  # "urn:uuid:<uuid4>" (unguessable)
    issuer_id: str  # URL of the issuer profile (OB 3.0 Profile JSON served by us)
    issuer_name: str
    issuer_url: str  # the service's home page
    issuer_email: str | None
    achievement_id: str  # URL of the achievement (badge class) JSON
    achievement_name: str
    achievement_description: str
    criteria_narrative: str  # the rules in plain words (Markdown allowed)
    criteria_url: str  # public /badges page
    image_url: str  # the award's PNG
    recipient_email: str  # only ever hashed into the credential
    recipient_salt: str
    recipient_name: str  # the organisation's public name
    valid_from: datetime  # UTC aware
    valid_until: datetime | None
    status_list_url: str  # the 1EdTechRevocationList this credential is listed in
    evidence_url: str | None  # the organisation's public profile; also the subject's id


def hashed_email(email: str, salt: str) -> str:
    """IdentityHash: "sha256$" and the hex SHA-256 of the (lower-cased) email then the salt, as
    OB 2.0 and 3.0 define it; lower-cased so a verifier can hash the address however it is typed."""
    digest = hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()
    return f"sha256${digest}"


def issuer_profile(
    issuer_id: str,
    name: str,
    url: str,
    email: str | None,
    base_url: str,
    *,
    standalone: bool = True,
) -> dict:
    """The issuer's OB 3.0 Profile. Ids and URLs given as paths ("/badges/issuer") are made
    absolute with base_url. Standalone (served at issuer_id) it carries its own `@context`;
    embedded in a credential it does not."""
    profile = {
        "id": _absolute(base_url, issuer_id),
        "type": ["Profile"],
        "name": name,
        "url": _absolute(base_url, url),
    }
    if email:
        profile["email"] = email
    return {"@context": [VC_CONTEXT, OB_CONTEXT], **profile} if standalone else profile


def achievement_document(
    achievement_id: str,
    name: str,
    description: str,
    criteria_narrative: str,
    criteria_url: str,
    image_url: str,
    issuer: dict | str,
    *,
    standalone: bool = False,
) -> dict:
    """The OB 3.0 Achievement (what OB 2.0 called the BadgeClass). `issuer` is the creator: a
    Profile (as from issuer_profile(..., standalone=False)) or its URL. Standalone (served at
    achievement_id) it carries its own `@context`."""
    achievement = {
        "id": achievement_id,
        "type": ["Achievement"],
        "name": name,
        "description": description,
        "criteria": {"id": criteria_url, "narrative": criteria_narrative},
        "image": {"id": image_url, "type": "Image", "caption": name},
        "creator": issuer,
    }
    return {"@context": [VC_CONTEXT, OB_CONTEXT], **achievement} if standalone else achievement


def credential_document(facts: CredentialFacts) -> dict:
    """The OpenBadgeCredential, unsigned. The recipient's email appears only as a salted hash."""
    issuer = issuer_profile(
        facts.issuer_id, facts.issuer_name, facts.issuer_url, facts.issuer_email, "",
        standalone=False,
    )
    subject: dict = {"type": ["AchievementSubject"]}
    if facts.evidence_url:
        subject["id"] = facts.evidence_url
    subject["identifier"] = [
        {
            "type": "IdentityObject",
            "identityHash": hashed_email(facts.recipient_email, facts.recipient_salt),
            "identityType": "emailAddress",
            "hashed": True,
            "salt": facts.recipient_salt,
        },
        # The organisation's name is public (it is on the directory), so it goes unhashed.
        {
            "type": "IdentityObject",
            "identityHash": facts.recipient_name,
            "identityType": "name",
            "hashed": False,
        },
    ]
    subject["achievement"] = achievement_document(
        facts.achievement_id,
        facts.achievement_name,
        facts.achievement_description,
        facts.criteria_narrative,
        facts.criteria_url,
        facts.image_url,
        issuer["id"],
    )
    document = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": facts.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{facts.achievement_name}: {facts.recipient_name}",
        "image": {"id": facts.image_url, "type": "Image", "caption": facts.achievement_name},
        "issuer": issuer,
        "validFrom": _datetime_z(facts.valid_from),
        "credentialSubject": subject,
        "credentialStatus": {"id": facts.status_list_url, "type": REVOCATION_LIST_TYPE},
        "credentialSchema": [dict(CREDENTIAL_SCHEMA)],
    }
    if facts.valid_until is not None:
        document["validUntil"] = _datetime_z(facts.valid_until)
    if facts.evidence_url:
        document["evidence"] = [
            {
                "id": facts.evidence_url,
                "type": ["Evidence"],
                "name": f"{facts.recipient_name} on the County Durham Pound Charter",
            }
        ]
    return document


def sign_credential(document: dict, ring: KeyRing, base_url: str) -> str:
    """The credential as a VC-JWT: a compact JWS, RS256, signed with the ring's current key.

    The `kid` is the URL where the lead's route serves that key's public JWK."""
    header = {
        "alg": SIGNING_ALGORITHM,
        "kid": f"{base_url.rstrip('/')}{KEY_PATH}{key_id(ring.current)}.json",
        "typ": "JWT",
    }
    return jwt.encode(header, {**document, **_jwt_claims(document)}, ring.current,
                      algorithms=[SIGNING_ALGORITHM])


def verify_credential(token: str, jwks: dict, *, now: datetime | None = None) -> dict:
    """The credential (JWT payload) if `token` is a valid VC-JWT signed by one of `jwks`' keys.

    Raises InvalidCredential when: the token is malformed; its algorithm is anything but RS256
    (never "none", never HS256 with a public key as the secret); its kid names no key in the set;
    the signature does not match (any byte changed); the JWT claims disagree with the credential;
    it is not yet valid, or has expired.
    """
    header = _unverified_header(token)
    if header.get("alg") != SIGNING_ALGORITHM:
        raise InvalidCredential(f"Signed with {header.get('alg')!r}; only RS256 is accepted.")
    key = _key_for(header.get("kid"), jwks)
    try:
        claims = jwt.decode(token, key, algorithms=[SIGNING_ALGORITHM]).claims
    except (JoseError, ValueError) as error:
        raise InvalidCredential(f"The signature does not verify ({error}).") from None
    _check_claims(claims, now or datetime.now(UTC))
    return claims


def revocation_list(
    list_url: str, issuer_id: str, revoked: Iterable[tuple[str, str]]
) -> dict:
    """The 1EdTechRevocationList document: each revoked credential id, with its reason if any."""
    entries = []
    for credential_id, reason in revoked:
        entry = {"id": credential_id, "revoked": True}
        if reason:
            entry["revocationReason"] = reason
        entries.append(entry)
    return {"id": list_url, "issuer": issuer_id, "revokedCredentials": entries}


def is_revoked(credential_payload: dict, revocation_list_document: dict) -> bool:
    """Whether the list revokes the credential: listed, with `revoked` true or omitted.

    Raises ValueError when the list is not the one the credential names (or not its issuer's),
    because a different list says nothing about this credential either way."""
    status = credential_payload.get("credentialStatus") or {}
    if status.get("type") != REVOCATION_LIST_TYPE:
        raise ValueError("The credential has no 1EdTechRevocationList status.")
    if status.get("id") != revocation_list_document.get("id"):
        raise ValueError("This is not the revocation list the credential names.")
    list_issuer = revocation_list_document.get("issuer")
    if isinstance(list_issuer, dict):
        list_issuer = list_issuer.get("id")
    if list_issuer != _issuer_id(credential_payload):
        raise ValueError("The revocation list was published by another issuer.")
    credential_id = credential_payload.get("id")
    return any(
        entry.get("id") == credential_id and entry.get("revoked", True) is not False
        for entry in revocation_list_document.get("revokedCredentials") or []
    )


def _jwt_claims(document: dict) -> dict:
    """JSON Web Token Proof Format → "JWT Payload Format": claims mapped from the credential."""
    claims = {
        "iss": _issuer_id(document),
        "jti": document["id"],
        "nbf": _numeric_date(document["validFrom"]),
    }
    subject_id = document["credentialSubject"].get("id")
    if subject_id:
        claims["sub"] = subject_id
    if document.get("validUntil"):
        claims["exp"] = _numeric_date(document["validUntil"])
    return claims


def _check_claims(claims: dict, now: datetime) -> None:
    """"Verify a Credential VC-JWT Signature": each claim matches the credential it wraps."""
    try:
        expected = _jwt_claims(claims)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InvalidCredential("The payload is not an OpenBadgeCredential.") from None
    for name in ("iss", "jti", "nbf", "sub", "exp"):
        if claims.get(name) != expected.get(name):
            raise InvalidCredential(f"The JWT claim {name!r} does not match the credential.")
    moment = now.timestamp()
    if moment < claims["nbf"]:
        raise InvalidCredential("The credential is not valid yet.")
    if "exp" in claims and moment >= claims["exp"]:
        raise InvalidCredential("The credential has expired.")


def _unverified_header(token: str) -> dict:
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3 or not all(parts):
        raise InvalidCredential("Not a compact JWS (three base64url parts).")
    try:
        header = json.loads(_b64url_decode(parts[0]))
    except (ValueError, binascii.Error):
        raise InvalidCredential("The JOSE header is not base64url JSON.") from None
    if not isinstance(header, dict):
        raise InvalidCredential("The JOSE header is not a JSON object.")
    return header


def _key_for(kid: object, jwks: dict) -> RSAKey:
    """The public key the header's kid names: our kid URLs end in /<thumbprint>.json."""
    if not isinstance(kid, str) or not kid:
        raise InvalidCredential("The JOSE header names no key (kid).")
    wanted = kid.rsplit("/", 1)[-1].removesuffix(".json") if KEY_PATH in kid else kid
    for jwk in jwks.get("keys", []):
        if jwk.get("kid") == wanted and jwk.get("kty") == "RSA":
            key = RSAKey.import_key({name: jwk[name] for name in ("kty", "n", "e")})
            # The published kid must be the key's own thumbprint, or it could vouch for another.
            if key_id(key) == wanted:
                return key
    raise InvalidCredential("The key that signed this credential is not one of the issuer's.")


def _issuer_id(document: dict) -> str:
    issuer = document["issuer"]
    return issuer["id"] if isinstance(issuer, dict) else issuer


def _datetime_z(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("Credential dates must be timezone-aware (UTC).")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _numeric_date(value: str) -> int:
    """RFC 7519 NumericDate (whole seconds since the epoch) from a DateTimeZ string."""
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _absolute(base_url: str, value: str) -> str:
    if value.startswith("/") and base_url:
        return base_url.rstrip("/") + value
    return value
