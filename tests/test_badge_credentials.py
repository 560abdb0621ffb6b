"""Open Badges 3.0 credentials: the issuer's keys, VC-JWT signing and verification, the documents
against the spec's required properties, and the 1EdTech revocation list. Real RSA keys, real
signatures; no database."""

import base64
import hashlib
import hmac
import json
import os
import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from charter_app import create_app
from charter_app.badges.credentials import (
    CredentialFacts,
    InvalidCredential,
    achievement_document,
    credential_document,
    hashed_email,
    is_revoked,
    issuer_profile,
    revocation_list,
    sign_credential,
    verify_credential,
)
from charter_app.badges.signing import (
    SigningKeyMissing,
    generate_key_pem,
    key_id,
    public_jwk,
    public_jwks,
    signing_keys,
)

BASE_URL = "https://charter.example"
EMAIL = "Finance.Team@Example-Supplier.co.uk"
PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth"}


@pytest.fixture(scope="module")
def key_files(tmp_path_factory):
    """Two 2048-bit keys, generated once for the module (RSA key generation is slow)."""
    folder = tmp_path_factory.mktemp("keys")
    paths = {}
    for name in ("old", "new"):
        path = folder / f"{name}.pem"
        path.write_bytes(generate_key_pem(bits=2048))
        path.chmod(0o600)
        paths[name] = path
    return paths


def make_app(instance: Path, **config) -> Flask:
    app = Flask("badge-test", instance_path=str(instance))
    app.config.update(TESTING=True, **config)
    return app


def ring_for(app: Flask):
    with app.app_context():
        return signing_keys(), public_jwks()


@pytest.fixture(scope="module")
def old_keys(key_files, tmp_path_factory):
    return ring_for(make_app(tmp_path_factory.mktemp("i"),
                             BADGE_SIGNING_KEY_FILE=str(key_files["old"])))


def facts(**changes) -> CredentialFacts:
    values = dict(
        credential_id="urn:uuid:5c0d3f9e-8a1b-4c55-9d0e-2f7e1b6a9c41",
        issuer_id=f"{BASE_URL}/badges/issuer",
        issuer_name="County Durham Pound Partnership",
        issuer_url=f"{BASE_URL}/",
        issuer_email="charter@countydurhampound.example",
        achievement_id=f"{BASE_URL}/badges/achievements/gold.json",
        achievement_name="Gold level",
        achievement_description="Reported every quarter for a year and delivered three themes.",
        criteria_narrative="Four quarterly reports in a row, **three themes** delivered.",
        criteria_url=f"{BASE_URL}/badges",
        image_url=f"{BASE_URL}/badges/awards/41.png",
        recipient_email=EMAIL,
        recipient_salt="b6f1c2d4e5",
        recipient_name="Example Supplier Ltd",
        valid_from=datetime(2026, 4, 1, 9, 30, 15, 123456, tzinfo=UTC),
        valid_until=datetime(2099, 4, 1, tzinfo=UTC),
        status_list_url=f"{BASE_URL}/badges/revocations.json",
        evidence_url=f"{BASE_URL}/directory/example-supplier-ltd",
    )
    values.update(changes)
    return CredentialFacts(**values)


def decode_part(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def encode_part(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# --- The issuer's keys -----------------------------------------------------------------------


def test_development_key_is_generated_once_private_to_the_owner_and_never_published(tmp_path):
    instance = tmp_path / "instance"  # does not exist yet: the key's folder is created
    first_ring, jwks = ring_for(make_app(instance))
    key_file = instance / "badge-signing-key.pem"

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first_ring.current.public_key.key_size == 3072
    pem_before = key_file.read_bytes()
    # A restarted app (a new app object, no cache) reuses the same key file.
    second_ring, _ = ring_for(make_app(instance))
    assert key_file.read_bytes() == pem_before
    assert key_id(second_ring.current) == key_id(first_ring.current)
    assert [path.name for path in instance.iterdir()] == ["badge-signing-key.pem"]

    [published] = jwks["keys"]
    assert PRIVATE_JWK_MEMBERS.isdisjoint(published)
    assert published == {"kty": "RSA", "n": published["n"], "e": "AQAB",
                         "kid": key_id(first_ring.current), "alg": "RS256", "use": "sig"}
    private_exponent = first_ring.current.as_dict(private=True)["d"]
    assert private_exponent not in json.dumps(jwks)


def test_production_without_a_key_explains_which_setting_to_set(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "production-test-secret")
    # SECRET_KEY as an override: the config module may have read the environment already.
    app = create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://",
                     SECRET_KEY="production-test-secret", BADGE_SIGNING_KEY_FILE=None)
    app.instance_path = str(tmp_path)

    with app.app_context(), pytest.raises(SigningKeyMissing, match="set BADGE_SIGNING_KEY_FILE"):
        signing_keys()
    assert list(tmp_path.iterdir()) == []  # no throwaway key was made in production


def test_the_development_configuration_gets_a_generated_key(tmp_path):
    app = create_app("development", SQLALCHEMY_DATABASE_URI="sqlite://",
                     BADGE_SIGNING_KEY_FILE=None)
    app.instance_path = str(tmp_path)
    with app.app_context():
        assert signing_keys().current.is_private
    assert (tmp_path / "badge-signing-key.pem").exists()


def test_a_configured_key_that_cannot_be_used_is_explained_without_its_contents(tmp_path):
    not_a_key = tmp_path / "key.pem"
    not_a_key.write_text(
        "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXNhdWNl\n-----END PRIVATE KEY-----\n")
    for path, message in ((tmp_path / "missing.pem", "cannot be read"),
                          (not_a_key, "not a PEM RSA key")):
        app = make_app(tmp_path, BADGE_SIGNING_KEY_FILE=str(path))
        with app.app_context(), pytest.raises(SigningKeyMissing, match=message) as raised:
            signing_keys()
        assert "c2VjcmV0" not in str(raised.value)


def test_a_key_file_replaced_in_place_is_picked_up_without_a_restart(key_files, tmp_path):
    key_file = tmp_path / "current.pem"
    key_file.write_bytes(key_files["old"].read_bytes())
    app = make_app(tmp_path, BADGE_SIGNING_KEY_FILE=str(key_file))
    with app.app_context():
        first = signing_keys()
        assert signing_keys() is first  # cached while the file is unchanged
        key_file.write_bytes(key_files["new"].read_bytes())
        later = key_file.stat().st_mtime_ns + 1_000_000_000
        os.utime(key_file, ns=(later, later))
        assert key_id(signing_keys().current) != key_id(first.current)


def test_a_public_jwk_holds_only_public_members(key_files, old_keys):
    ring, _ = old_keys
    jwk = public_jwk(ring.current)
    assert set(jwk) == {"kty", "n", "e", "kid", "alg", "use"}
    # RFC 7638: the thumbprint is base64url SHA-256 of the required members in lexical order.
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"))
    assert jwk["kid"] == encode_part(hashlib.sha256(canonical.encode()).digest())


# --- Signing and verifying -------------------------------------------------------------------


def test_a_signed_credential_verifies_against_the_published_keys(old_keys):
    ring, jwks = old_keys
    document = credential_document(facts())
    token = sign_credential(document, ring, BASE_URL)

    header = json.loads(decode_part(token.split(".")[0]))
    assert header == {"alg": "RS256", "typ": "JWT",
                      "kid": f"{BASE_URL}/badges/issuer/keys/{key_id(ring.current)}.json"}
    payload = verify_credential(token, jwks)
    assert {name: payload[name] for name in document} == document


def test_the_jwt_claims_are_mapped_from_the_credential(old_keys):
    ring, jwks = old_keys
    payload = verify_credential(sign_credential(credential_document(facts()), ring, BASE_URL), jwks)

    assert payload["iss"] == payload["issuer"]["id"] == f"{BASE_URL}/badges/issuer"
    assert payload["jti"] == payload["id"] == "urn:uuid:5c0d3f9e-8a1b-4c55-9d0e-2f7e1b6a9c41"
    assert payload["sub"] == payload["credentialSubject"]["id"]
    assert payload["validFrom"] == "2026-04-01T09:30:15Z"
    assert payload["nbf"] == int(datetime(2026, 4, 1, 9, 30, 15, tzinfo=UTC).timestamp())
    assert payload["validUntil"] == "2099-04-01T00:00:00Z"
    assert payload["exp"] == int(datetime(2099, 4, 1, tzinfo=UTC).timestamp())

    open_ended = verify_credential(
        sign_credential(credential_document(facts(valid_until=None)), ring, BASE_URL), jwks)
    assert "exp" not in open_ended and "validUntil" not in open_ended


@pytest.mark.parametrize("part", [0, 1, 2], ids=["header", "payload", "signature"])
def test_one_changed_byte_anywhere_is_refused(old_keys, part):
    ring, jwks = old_keys
    token = sign_credential(credential_document(facts()), ring, BASE_URL)
    parts = token.split(".")
    raw = decode_part(parts[part])
    for position in (0, len(raw) // 2, len(raw) - 1):
        changed = bytearray(raw)
        changed[position] ^= 0x01
        forged = parts.copy()
        forged[part] = encode_part(bytes(changed))
        with pytest.raises(InvalidCredential):
            verify_credential(".".join(forged), jwks)


def test_a_tampered_credential_is_refused(old_keys):
    ring, jwks = old_keys
    header, payload, signature = sign_credential(credential_document(facts()), ring,
                                                 BASE_URL).split(".")
    claims = json.loads(decode_part(payload))
    claims["credentialSubject"]["achievement"]["name"] = "Platinum level"
    with pytest.raises(InvalidCredential, match="signature"):
        verify_credential(f"{header}.{encode_part(json.dumps(claims).encode())}.{signature}", jwks)


def _forge(header: dict, claims: dict, secret: bytes | None) -> str:
    signing_input = f"{encode_part(json.dumps(header).encode())}." \
                    f"{encode_part(json.dumps(claims).encode())}"
    signature = b"" if secret is None else hmac.new(secret, signing_input.encode(),
                                                    hashlib.sha256).digest()
    return f"{signing_input}.{encode_part(signature)}"


def test_hs256_with_the_public_key_as_secret_and_alg_none_are_refused(key_files, old_keys):
    ring, jwks = old_keys
    token = sign_credential(credential_document(facts()), ring, BASE_URL)
    header = json.loads(decode_part(token.split(".")[0]))
    claims = json.loads(decode_part(token.split(".")[1]))
    public_pem = ring.published[0].as_pem()
    jwk_json = json.dumps(jwks["keys"][0]).encode()

    for secret in (public_pem, jwk_json, key_files["old"].read_bytes()):
        with pytest.raises(InvalidCredential, match="only RS256"):
            verify_credential(_forge({**header, "alg": "HS256"}, claims, secret), jwks)
    for alg in ("none", "None", "RS384"):
        unsigned = _forge({**header, "alg": alg}, claims, None)
        with pytest.raises(InvalidCredential):
            verify_credential(unsigned, jwks)
        with pytest.raises(InvalidCredential, match="only RS256"):
            verify_credential(unsigned + "c2ln", jwks)


def test_a_key_the_issuer_does_not_publish_is_refused(key_files, old_keys, tmp_path):
    ring, jwks = old_keys
    stranger_ring, _ = ring_for(make_app(tmp_path, BADGE_SIGNING_KEY_FILE=str(key_files["new"])))
    signed_by_stranger = sign_credential(credential_document(facts()), stranger_ring, BASE_URL)
    with pytest.raises(InvalidCredential, match="not one of the issuer's"):
        verify_credential(signed_by_stranger, jwks)

    # A published entry whose kid is relabelled to the stranger's cannot vouch for it either.
    relabelled = {"keys": [{**jwks["keys"][0], "kid": key_id(stranger_ring.current)}]}
    with pytest.raises(InvalidCredential):
        verify_credential(signed_by_stranger, relabelled)


def test_an_expired_or_not_yet_valid_credential_is_refused(old_keys):
    ring, jwks = old_keys
    expired = sign_credential(credential_document(facts(
        valid_from=datetime(2024, 4, 1, tzinfo=UTC), valid_until=datetime(2025, 4, 1, tzinfo=UTC),
    )), ring, BASE_URL)
    with pytest.raises(InvalidCredential, match="expired"):
        verify_credential(expired, jwks)
    assert verify_credential(expired, jwks, now=datetime(2025, 3, 31, tzinfo=UTC))["exp"]

    future = sign_credential(credential_document(facts(
        valid_from=datetime.now(UTC) + timedelta(days=2))), ring, BASE_URL)
    with pytest.raises(InvalidCredential, match="not valid yet"):
        verify_credential(future, jwks)


def test_after_a_rotation_old_credentials_verify_and_new_ones_use_the_new_key(key_files, tmp_path):
    before = make_app(tmp_path / "before", BADGE_SIGNING_KEY_FILE=str(key_files["old"]))
    old_ring, _ = ring_for(before)
    old_token = sign_credential(credential_document(facts()), old_ring, BASE_URL)

    # The operator keeps only the old key's public half, listed with a path separator.
    old_public = tmp_path / "old-public.pem"
    old_public.write_bytes(old_ring.published[0].as_pem())
    # Listing the old private file too publishes the key once, not twice.
    after = make_app(tmp_path / "after", BADGE_SIGNING_KEY_FILE=str(key_files["new"]),
                     BADGE_RETIRED_KEY_FILES=os.pathsep.join([str(old_public),
                                                              str(key_files["old"])]))
    new_ring, jwks = ring_for(after)

    assert [key["kid"] for key in jwks["keys"]] == [key_id(new_ring.current),
                                                   key_id(old_ring.current)]
    assert verify_credential(old_token, jwks)["id"] == facts().credential_id
    new_token = sign_credential(credential_document(facts()), new_ring, BASE_URL)
    new_kid = json.loads(decode_part(new_token.split(".")[0]))["kid"]
    assert new_kid.endswith(f"/badges/issuer/keys/{key_id(new_ring.current)}.json")
    assert verify_credential(new_token, jwks)
    assert all(PRIVATE_JWK_MEMBERS.isdisjoint(key) for key in jwks["keys"])


# --- The documents against the specification -------------------------------------------------

# Open Badges 3.0, Data Model (the "Required" column, multiplicity 1 or 1..*):
# - AchievementCredential (OpenBadgeCredential) with its parent VerifiableCredential
OPEN_BADGE_CREDENTIAL_REQUIRED = {"@context", "id", "type", "issuer", "validFrom",
                                  "credentialSubject"}
# - AchievementSubject: type and achievement; and "either id or at least one identifier"
ACHIEVEMENT_SUBJECT_REQUIRED = {"type", "achievement"}
# - Achievement
ACHIEVEMENT_REQUIRED = {"id", "type", "criteria", "description", "name"}
# - Profile
PROFILE_REQUIRED = {"id", "type"}
# - IdentityObject, Image, CredentialStatus, CredentialSchema, Evidence
IDENTITY_OBJECT_REQUIRED = {"type", "hashed", "identityHash", "identityType"}
IMAGE_REQUIRED = {"id", "type"}
CREDENTIAL_STATUS_REQUIRED = {"id", "type"}
CREDENTIAL_SCHEMA_REQUIRED = {"id", "type"}
EVIDENCE_REQUIRED = {"type"}


def test_the_credential_carries_every_property_the_spec_requires():
    document = credential_document(facts())

    assert set(document) >= OPEN_BADGE_CREDENTIAL_REQUIRED
    # AchievementCredential @context: W3C VC 2.0 first, then an OB v3p0 context.
    assert document["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert re.fullmatch(r"https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)*\.json",
                        document["@context"][1])
    assert {"VerifiableCredential", "OpenBadgeCredential"} <= set(document["type"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", document["validFrom"])

    assert set(document["issuer"]) >= PROFILE_REQUIRED and "Profile" in document["issuer"]["type"]
    subject = document["credentialSubject"]
    assert set(subject) >= ACHIEVEMENT_SUBJECT_REQUIRED
    assert "AchievementSubject" in subject["type"] and (subject.get("id") or subject["identifier"])
    for identity in subject["identifier"]:
        assert set(identity) >= IDENTITY_OBJECT_REQUIRED and identity["type"] == "IdentityObject"
    achievement = subject["achievement"]
    assert set(achievement) >= ACHIEVEMENT_REQUIRED and "Achievement" in achievement["type"]
    assert achievement["criteria"]["narrative"] and achievement["criteria"]["id"]
    for image in (document["image"], achievement["image"]):
        assert set(image) >= IMAGE_REQUIRED and image["type"] == "Image"
    assert set(document["credentialStatus"]) >= CREDENTIAL_STATUS_REQUIRED
    assert document["credentialStatus"]["type"] == "1EdTechRevocationList"
    assert all(set(s) >= CREDENTIAL_SCHEMA_REQUIRED for s in document["credentialSchema"])
    assert all(set(e) >= EVIDENCE_REQUIRED and "Evidence" in e["type"]
               for e in document["evidence"])


def test_the_standalone_profile_and_achievement_carry_the_required_properties():
    profile = issuer_profile("/badges/issuer", "County Durham Pound Partnership", "/",
                             "charter@countydurhampound.example", BASE_URL)
    assert set(profile) >= PROFILE_REQUIRED
    assert profile["id"] == f"{BASE_URL}/badges/issuer" and profile["url"] == f"{BASE_URL}/"
    assert profile["@context"][0] == "https://www.w3.org/ns/credentials/v2"

    achievement = achievement_document(
        f"{BASE_URL}/badges/achievements/signatory.json", "Charter Signatory",
        "Signed the County Durham Pound Charter.", "Approved by the partnership's staff.",
        f"{BASE_URL}/badges", f"{BASE_URL}/badges/signatory.png", profile["id"], standalone=True)
    assert set(achievement) >= ACHIEVEMENT_REQUIRED and "@context" in achievement


def test_the_recipient_email_is_never_in_clear(old_keys):
    ring, _ = old_keys
    document = credential_document(facts())
    token = sign_credential(document, ring, BASE_URL)
    payload = decode_part(token.split(".")[1]).decode()
    everything = "\n".join([token, payload, json.dumps(document)]).lower()

    for form in (EMAIL.lower(), "finance.team", "example-supplier.co.uk"):
        assert form not in everything
    [email_identity] = [i for i in document["credentialSubject"]["identifier"]
                        if i["identityType"] == "emailAddress"]
    assert email_identity["hashed"] is True
    # A verifier told the address out of band can check it (IdentityHash: "sha256$" + hex).
    expected = hashlib.sha256(("finance.team@example-supplier.co.uk" + "b6f1c2d4e5").encode())
    assert email_identity["identityHash"] == "sha256$" + expected.hexdigest()
    assert hashed_email(EMAIL, "b6f1c2d4e5") == hashed_email(EMAIL.lower(), "b6f1c2d4e5")


def test_the_specs_identity_hash_example():
    # OB 3.0 IdentityHash: 'a@example.com' salted with 'Kosher'.
    assert hashed_email("a@example.com", "Kosher") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399")


# --- Revocation ------------------------------------------------------------------------------


def test_the_revocation_list_names_revoked_credentials_with_their_reasons():
    list_url = f"{BASE_URL}/badges/revocations.json"
    revoked_id = "urn:uuid:0b7e2d0c-6a0f-4d9f-8f3b-1f1f0d9a5e21"
    document = revocation_list(list_url, f"{BASE_URL}/badges/issuer",
                               [(revoked_id, "Awarded in error"), ("urn:uuid:other", "")])

    assert document == {
        "id": list_url,
        "issuer": f"{BASE_URL}/badges/issuer",
        "revokedCredentials": [
            {"id": revoked_id, "revoked": True, "revocationReason": "Awarded in error"},
            {"id": "urn:uuid:other", "revoked": True},
        ],
    }
    assert is_revoked(credential_document(facts(credential_id=revoked_id)), document)
    assert not is_revoked(credential_document(facts()), document)
    # The method's rule: listed with "revoked" omitted counts as revoked; false does not.
    document["revokedCredentials"][0].pop("revoked")
    assert is_revoked(credential_document(facts(credential_id=revoked_id)), document)
    document["revokedCredentials"][0]["revoked"] = False
    assert not is_revoked(credential_document(facts(credential_id=revoked_id)), document)


def test_a_list_the_credential_does_not_name_cannot_clear_it():
    other_list = revocation_list(f"{BASE_URL}/other.json", f"{BASE_URL}/badges/issuer", [])
    with pytest.raises(ValueError, match="not the revocation list"):
        is_revoked(credential_document(facts()), other_list)
    foreign = revocation_list(f"{BASE_URL}/badges/revocations.json", "https://elsewhere.example",
                              [])
    with pytest.raises(ValueError, match="another issuer"):
        is_revoked(credential_document(facts()), foreign)
