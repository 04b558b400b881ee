"""C2PA content credentials: :func:`sign_mp4` embeds a signed manifest, :func:`read_manifest` checks one.

The manifest says what made the video and how, never what went in: a ``c2pa.created`` action with the
IPTC digital source type ``trainedAlgorithmicMedia`` (thg's motion comes from a speech recogniser and
a face-landmark network, both trained models, so the stricter "algorithmic media" would undersell it),
thg's name and version, the settings, SHA-256 hashes of the inputs, and the id of the invisible watermark
(or that there is none).

Signing works offline. The key and certificate are, in this order: the ``cert``/``key`` arguments, the
files named by ``THG_C2PA_CERT`` and ``THG_C2PA_KEY``, or a per-installation pair created on first use
in ``THG_C2PA_DIR`` (default ``~/.config/thg/c2pa``): a local root CA and an ES256 signing certificate
issued by it with the C2PA certificate profile (digitalSignature key usage, the C2PA claim-signing and
document-signing extended key usages, subject and authority key identifiers). No trust list knows that
root, so validators report the manifest as valid but its signer as untrusted, which is the honest
verdict for a local key.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from thg import __version__
from thg.errors import BackendMissingError, InputError
from thg.io.output import atomic_output

SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
ASSERTION = "org.thg.provenance"           # thg's own assertion: settings, input hashes, watermark
CLAIM_GENERATOR = {"name": "thg", "version": __version__}
SPILL_MB = 16   # signing works in temporary files for outputs larger than this (see sign_mp4)
MERKLE_KB = 1024  # the video data is hashed in chunks of this size, as a Merkle tree (see sign_mp4)
_EKU_C2PA_CLAIM_SIGNING = "1.3.6.1.4.1.62558.2.1"
_EKU_DOCUMENT_SIGNING = "1.3.6.1.5.5.7.3.36"


def _c2pa():
    try:
        import c2pa
    except ImportError:
        raise BackendMissingError("C2PA signing needs the c2pa-python package; install it with "
                                  "`pip install c2pa-python`") from None
    return c2pa


# --- claims -------------------------------------------------------------------------------------------
@dataclass
class Claims:
    """What one output's manifest says: the command, its settings, its inputs and its watermark id."""

    action: str                                   # generate, reenact, decode, dub, serve ...
    settings: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)    # role -> path, bytes or array (only a hash is kept)
    watermark_id: int | None = None               # None: frames carry no invisible mark

    def assertion(self) -> dict:
        return {"tool": CLAIM_GENERATOR, "action": self.action, "settings": _jsonable(self.settings),
                "inputs": {role: {"sha256": input_hash(v)} for role, v in self.inputs.items() if v is not None},
                "watermark": ({"id": f"{self.watermark_id:08x}", "scheme": "thg-watermark-v1"}
                              if self.watermark_id is not None else None)}

    def manifest(self) -> dict:
        return {
            "claim_generator_info": [CLAIM_GENERATOR],
            "title": f"thg {self.action}",
            "format": "video/mp4",
            "assertions": [
                {"label": "c2pa.actions", "data": {"actions": [{
                    "action": "c2pa.created", "digitalSourceType": SOURCE_TYPE,
                    "softwareAgent": CLAIM_GENERATOR,
                    "description": f"talking-head video made by thg {self.action}"}]}},
                {"label": ASSERTION, "data": self.assertion()},
            ],
        }


def input_hash(value) -> str:
    """SHA-256 of an input: a file's bytes, raw bytes, or an array's pixels (as stored, C order)."""
    h = hashlib.sha256()
    if isinstance(value, (str, os.PathLike)):
        with open(value, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    elif isinstance(value, np.ndarray):
        h.update(np.ascontiguousarray(value).tobytes())
    else:
        h.update(bytes(value))
    return h.hexdigest()


def _jsonable(value):
    return json.loads(json.dumps(value, default=lambda v: v.__dict__ if hasattr(v, "__dict__") else str(v)))


# --- keys ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SigningIdentity:
    chain_pem: bytes     # the signing certificate first, then its issuer(s)
    key_pem: bytes
    local: bool          # the per-installation identity (not the user's own)


def key_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(os.environ.get("THG_C2PA_DIR") or os.path.join(base, "thg", "c2pa"))


def signing_identity(cert: str | os.PathLike | None = None, key: str | os.PathLike | None = None) -> SigningIdentity:
    """The user's certificate chain and key (arguments, else THG_C2PA_CERT / THG_C2PA_KEY), or the
    per-installation pair (created on first use)."""
    cert = cert or os.environ.get("THG_C2PA_CERT")
    key = key or os.environ.get("THG_C2PA_KEY")
    if cert or key:
        if not (cert and key):
            raise InputError("give both a C2PA certificate chain and its private key "
                             "(--c2pa-cert and --c2pa-key, or THG_C2PA_CERT and THG_C2PA_KEY)")
        for what, path in (("certificate chain", cert), ("private key", key)):
            if not Path(path).is_file():
                raise InputError(f"{path}: C2PA {what} not found; give a PEM file")
        return SigningIdentity(Path(cert).read_bytes(), Path(key).read_bytes(), local=False)
    folder = key_dir()
    chain, private = folder / "chain.pem", folder / "key.pem"
    if not (chain.is_file() and private.is_file()):
        _create_local_identity(folder)
    return SigningIdentity(chain.read_bytes(), private.read_bytes(), local=True)


def _name(common: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "thg local installation"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _create_local_identity(folder: Path) -> None:
    """A local root CA and a signing certificate issued by it, with the C2PA certificate profile."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    root_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root_name, leaf_name = _name("thg local root CA"), _name("thg local signer")
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(leaf_name).issuer_name(root_name)
            .public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ObjectIdentifier(_EKU_C2PA_CLAIM_SIGNING),
                                                  ObjectIdentifier(_EKU_DOCUMENT_SIGNING),
                                                  ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    pem = serialization.Encoding.PEM
    key_bytes = leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    # the chain is looked for last: a key without its chain is made again, never used alone
    for name, data, mode in (("root.pem", root.public_bytes(pem), None),   # to add to a trust list, if wanted
                             ("key.pem", key_bytes, 0o600),
                             ("chain.pem", leaf.public_bytes(pem) + root.public_bytes(pem), None)):
        with atomic_output(folder / name, overwrite=True, mode=mode) as tmp:
            tmp.write_bytes(data)


# --- signing and reading ------------------------------------------------------------------------------
def sign_mp4(path: str | os.PathLike, claims: Claims, *, identity: SigningIdentity | None = None) -> None:
    """Embed a signed C2PA manifest with ``claims`` into the MP4 at ``path`` (in place; call it on the
    finished temporary file, before it is renamed onto the output)."""
    c2pa = _c2pa()
    identity = identity or signing_identity()
    path = Path(path)
    try:
        info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, identity.chain_pem, identity.key_pem, None)
        # (c2pa keeps what it signs in memory up to a threshold, 512 MB by default: two copies of a long
        # video's file; above SPILL_MB it works in temporary files. Hashed as one piece, the video data
        # still makes one copy in memory; hashed in MERKLE_KB chunks it does not: signing a 155 MB file
        # peaks at 12 MB above the process's size, against 158 MB as one piece, and a flipped byte in it
        # still reads as tampered)
        context = c2pa.Context.from_dict({"core": {"backing_store_memory_threshold_in_mb": SPILL_MB,
                                                   "merkle_tree_chunk_size_in_kb": MERKLE_KB}})
        with context, c2pa.Signer.from_info(info) as signer, c2pa.Builder(claims.manifest(), context=context) as builder, \
                atomic_output(path, overwrite=True) as signed, open(path, "rb") as src, open(signed, "w+b") as dst:
            builder.sign(signer, "video/mp4", src, dst)
    except c2pa.C2paError as e:
        raise InputError(f"C2PA signing failed ({e}); check the certificate chain and key "
                         f"(C2PA needs an ES256 end-entity certificate with the C2PA profile)") from None


@dataclass(frozen=True)
class ManifestReport:
    state: str                     # "absent", "valid", "valid, signer untrusted", "tampered", "invalid"
    signer: str | None = None
    claims: dict | None = None     # thg's assertion, when present
    generator: str | None = None
    source_type: str | None = None
    problems: tuple[str, ...] = ()
    serial: str | None = None      # the signing certificate's serial number

    @property
    def present(self) -> bool:
        return self.state != "absent"

    @property
    def from_thg(self) -> bool:
        """A valid manifest (trusted or not) that thg wrote."""
        return self.state.startswith("valid") and self.claims is not None

    def as_dict(self) -> dict:
        return {"state": self.state, "signer": self.signer, "generator": self.generator,
                "digital_source_type": self.source_type, "thg": self.claims, "problems": list(self.problems),
                "certificate_serial": self.serial}


_UNTRUSTED = {"signingCredential.untrusted"}


def read_manifest(path: str | os.PathLike) -> ManifestReport:
    """Read and validate the C2PA manifest of a video; absent, valid (trusted or not) or invalid."""
    c2pa = _c2pa()
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: video not found; check the path")
    try:
        with open(path, "rb") as f:
            reader = c2pa.Reader.try_create("video/mp4", f)
            if reader is None:
                return ManifestReport("absent")
            with reader:
                store = json.loads(reader.json())
    except c2pa.C2paError as e:
        return ManifestReport("invalid", problems=(str(e).splitlines()[0][:200],))
    return _report(store)


def _report(store: dict) -> ManifestReport:
    manifest = store.get("manifests", {}).get(store.get("active_manifest") or "", {})
    status = [s.get("code", "") for s in store.get("validation_status", []) or []]
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    failures = [s.get("code", "") for s in results.get("failure", [])] or status
    problems = tuple(c for c in failures if c not in _UNTRUSTED)
    if any(c.endswith(".mismatch") for c in problems):
        state = "tampered"           # a hash no longer matches: the video or the manifest was changed
    elif problems:
        state = "invalid"
    elif any(c in _UNTRUSTED for c in failures):
        state = "valid, signer untrusted"
    else:
        state = "valid"
    sig = manifest.get("signature_info") or {}
    signer = sig.get("common_name") or sig.get("issuer")
    gen = manifest.get("claim_generator_info") or [{}]
    generator = " ".join(str(gen[0].get(k, "")) for k in ("name", "version")).strip() or manifest.get("claim_generator")
    claims, source = None, None
    for a in manifest.get("assertions", []):
        if a.get("label") == ASSERTION:
            claims = a.get("data")
        elif a.get("label", "").startswith("c2pa.actions"):
            for act in a.get("data", {}).get("actions", []):
                source = source or act.get("digitalSourceType")
    return ManifestReport(state, signer, claims, generator, source, problems, sig.get("cert_serial_number"))


def pipeline_claims(pipeline, portrait: np.ndarray, audio_file, track) -> Claims:
    """The claims of one finished :class:`thg.pipeline.TalkingHeadPipeline` output: its settings, the
    hashes of the photo's pixels, the speech (or driving video) and the motion, and its watermark's id.
    The pipeline's watermark then draws a new id, so that its next output gets its own."""
    from dataclasses import asdict

    from thg.post.watermark import InvisibleWatermark

    driver = track.meta.get("driver", "motion")
    filters = [p for p in pipeline.post if isinstance(p, InvisibleWatermark)]
    marks = [p.output_id for p in filters]
    for p in filters:
        p.next_output()
    settings = {**asdict(pipeline.config), "driver": driver, "renderer": type(pipeline.renderer).__name__}
    inputs = {"portrait_pixels": portrait, "audio": audio_file, "motion": track.values}
    return Claims("reenact" if driver == "video" else "generate", settings, inputs, marks[0] if marks else None)
