"""C2PA content credentials: signed offline, valid with an untrusted signer, absent after a re-encode,
tampered when the video changes; the local certificate follows the C2PA profile."""

from __future__ import annotations

import numpy as np
import pytest

from thg.errors import InputError
from thg.post import attacks
from thg.post.credentials import SOURCE_TYPE, Claims, key_dir, read_manifest, sign_mp4, signing_identity


@pytest.fixture
def video(tmp_path, portrait):
    from thg.io import VideoWriter

    path = tmp_path / "clip.mp4"
    with VideoWriter(path, 256, 256, fps=25, crf=20) as w:
        for i in range(10):
            w.write(np.ascontiguousarray(np.roll(portrait[::2, ::2], i, axis=1)))
    return path


def _claims(portrait):
    return Claims("generate", {"fps": 25.0, "style": {"emotion": "happy"}},
                  {"portrait_pixels": portrait, "audio": b"not the audio itself"}, 0xC0FFEE01)


def test_signed_manifest_validates_with_untrusted_signer(video, portrait):
    sign_mp4(video, _claims(portrait))
    m = read_manifest(video)
    assert m.state == "valid, signer untrusted" and m.from_thg
    assert m.signer == "thg local signer" and m.generator.startswith("thg ")
    assert m.source_type == SOURCE_TYPE
    import hashlib

    assert m.claims["inputs"]["portrait_pixels"]["sha256"] == hashlib.sha256(portrait.tobytes()).hexdigest()
    assert m.claims["watermark"]["id"] == "c0ffee01" and m.claims["settings"]["style"]["emotion"] == "happy"
    # the video still plays and keeps its frames
    from thg.io.video import read_video_frames

    assert sum(1 for _ in read_video_frames(video)) == 10


def test_reencode_drops_and_edit_breaks_the_manifest(video, portrait, tmp_path):
    sign_mp4(video, _claims(portrait))
    copy = tmp_path / "copy.mp4"
    attacks.apply(video, copy, ["-crf", "30"])
    assert read_manifest(copy).state == "absent"
    data = bytearray(video.read_bytes())
    mid = len(data) // 2
    data[mid: mid + 32] = bytes(32)
    edited = tmp_path / "edited.mp4"
    edited.write_bytes(bytes(data))
    m = read_manifest(edited)
    assert m.state == "tampered" and not m.from_thg and m.problems


def test_unsigned_video_has_no_manifest(video):
    assert read_manifest(video).state == "absent"


def test_local_certificate_has_the_c2pa_profile():
    from cryptography import x509
    from cryptography.x509.oid import ExtensionOID

    identity = signing_identity()
    assert identity.local and (key_dir() / "key.pem").stat().st_mode & 0o077 == 0
    leaf, root = x509.load_pem_x509_certificates(identity.chain_pem)
    ext = leaf.extensions
    ku = ext.get_extension_for_oid(ExtensionOID.KEY_USAGE)
    assert ku.critical and ku.value.digital_signature and not ku.value.key_cert_sign
    ekus = {e.dotted_string for e in ext.get_extension_for_oid(ExtensionOID.EXTENDED_KEY_USAGE).value}
    assert "1.3.6.1.4.1.62558.2.1" in ekus and "2.5.29.37.0" not in ekus   # C2PA claim signing, no "any"
    ski = ext.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER).value
    aki = ext.get_extension_for_oid(ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value
    root_ski = root.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER).value
    assert ski.digest and aki.key_identifier == root_ski.digest
    assert leaf.issuer == root.subject != leaf.subject
    assert not ext.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca
    leaf.verify_directly_issued_by(root)
    # created once, then reused
    assert signing_identity().chain_pem == identity.chain_pem


def test_users_own_certificate_by_environment(video, portrait, tmp_path, monkeypatch):
    from cryptography import x509

    monkeypatch.setenv("THG_C2PA_DIR", str(tmp_path / "someone-else"))
    own = signing_identity()                                  # stands in for a user's own chain and key
    (tmp_path / "chain.pem").write_bytes(own.chain_pem)
    (tmp_path / "key.pem").write_bytes(own.key_pem)
    monkeypatch.setenv("THG_C2PA_DIR", str(tmp_path / "unused"))
    monkeypatch.setenv("THG_C2PA_CERT", str(tmp_path / "chain.pem"))
    monkeypatch.setenv("THG_C2PA_KEY", str(tmp_path / "key.pem"))
    sign_mp4(video, _claims(portrait))
    serial = x509.load_pem_x509_certificates(own.chain_pem)[0].serial_number
    assert read_manifest(video).serial == str(serial)
    assert not (tmp_path / "unused").exists()


def test_half_given_identity_is_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("THG_C2PA_CERT", str(tmp_path / "chain.pem"))
    with pytest.raises(InputError, match="both"):
        signing_identity()
    monkeypatch.setenv("THG_C2PA_KEY", str(tmp_path / "key.pem"))
    with pytest.raises(InputError, match="not found"):
        signing_identity()


def test_signing_a_long_video_holds_no_copy_of_it_in_memory(tmp_path, video):
    # (a video of noise does not compress: 38 MB on disk; hashed as one piece, c2pa held it all in memory)
    import subprocess
    import sys

    from thg.io import VideoWriter

    path = tmp_path / "long.mp4"
    rng = np.random.default_rng(0)
    with VideoWriter(path, 384, 384, fps=25, crf=0) as w:
        for _ in range(160):
            w.write(rng.integers(0, 256, (384, 384, 3), dtype=np.uint8))
    size_mb = path.stat().st_size / 2**20
    assert size_mb > 30
    probe = ("import resource, sys\n"
             "from thg.post.credentials import Claims, sign_mp4, signing_identity\n"
             "identity = signing_identity()\n"
             "sign_mp4(sys.argv[2], Claims('dub'), identity=identity)\n"   # a short one first: libraries loaded
             "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
             "sign_mp4(sys.argv[1], Claims('dub'), identity=identity)\n"
             "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)\n")
    grown_mb = float(subprocess.run([sys.executable, "-c", probe, str(path), str(video)],
                                    capture_output=True, text=True, check=True).stdout)
    assert grown_mb < size_mb / 4, (grown_mb, size_mb)
    assert read_manifest(path).state == "valid, signer untrusted"
