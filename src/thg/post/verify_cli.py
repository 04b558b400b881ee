"""``thg verify``: is this video from thg? Its C2PA manifest and its invisible watermark, one line each."""

from __future__ import annotations

import json

import click

#: exit code when no video shows a thg manifest or watermark (0: every video shows one; 1/2: errors)
NOT_FOUND = 3


def _manifest_line(path: str, m) -> str:
    if not m.present:
        return f"{path}: C2PA manifest: absent"
    what = m.state + (f" (signer: {m.signer})" if m.signer else "")
    if m.problems:
        what += f" ({', '.join(m.problems)})"
    claims = m.claims or {}
    says = [m.generator or "unknown generator"]
    if claims.get("action"):
        says.append(claims["action"])
    if m.source_type:
        says.append(m.source_type.rsplit("/", 1)[-1])
    mark = claims.get("watermark") if m.claims is not None else "n/a"
    says.append(f"watermark id {mark['id']}" if isinstance(mark, dict) else
                ("no watermark" if mark is None else "watermark not stated"))
    if claims.get("inputs"):
        says.append(f"{len(claims['inputs'])} input hashes")
    return f"{path}: C2PA manifest: {what}; claims {', '.join(says)}"


def _watermark_line(path: str, d, threshold: float) -> str:
    from thg.post.watermark import FALSE_ALARM

    if not d.found:
        return (f"{path}: watermark: not found (z = {d.z:.2f} over {d.n_frames} frames; a mark needs "
                f"z ≥ {threshold:.2f}, false-alarm probability ≤ {FALSE_ALARM:g})")
    payload = (f"id {d.output_id:08x}" if d.payload_valid
               else "payload unreadable (too damaged for the id; the mark itself is certain)")
    kept = "" if d.kept == (1.0, 1.0) else f", shows {d.kept[0]:.0%} × {d.kept[1]:.0%} of the original frame"
    return (f"{path}: watermark: found, {payload}, z = {d.z:.2f} over {d.n_frames} frames, "
            f"false-alarm probability ≤ {_sci(d.false_alarm)}{kept}")


def _sci(p: float) -> str:
    return f"{p:.1e}" if p > 0 else "1e-300 (below what a float holds)"


def verify_one(path: str) -> dict:
    """Both findings for one video, as plain data."""
    from thg.io.video import probe_video
    from thg.post.credentials import read_manifest
    from thg.post.watermark import detect

    probe_video(path)  # one clear error for a missing or unreadable video
    manifest, mark = read_manifest(path), detect(path)
    agree = None
    if mark.output_id is not None and manifest.claims and isinstance(manifest.claims.get("watermark"), dict):
        agree = manifest.claims["watermark"]["id"] == f"{mark.output_id:08x}"
    return {"video": path, "manifest": manifest, "watermark": mark, "ids_agree": agree,
            "from_thg": manifest.from_thg or mark.found}


@click.command()
@click.argument("videos", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="One JSON object per video instead of text lines.")
def verify(videos, as_json):
    """Tell whether each VIDEO was made by thg: its C2PA manifest (valid, tampered or absent; signer;
    claims) and its invisible watermark (found or not; id; false-alarm probability).

    Exit code 0 when every video shows a thg manifest or watermark, 3 when at least one shows neither,
    1 or 2 on errors.
    """
    from thg.post.watermark import threshold

    t = threshold()
    results = [verify_one(v) for v in videos]
    for r in results:
        if as_json:
            click.echo(json.dumps({"video": r["video"], "from_thg": r["from_thg"], "ids_agree": r["ids_agree"],
                                   "manifest": r["manifest"].as_dict(),
                                   "watermark": {**r["watermark"].as_dict(), "threshold_z": round(t, 3)}}))
            continue
        click.echo(_manifest_line(r["video"], r["manifest"]))
        click.echo(_watermark_line(r["video"], r["watermark"], t))
        if r["ids_agree"] is False:
            click.echo(f"{r['video']}: warning: the manifest's watermark id differs from the one in the frames")
    if not all(r["from_thg"] for r in results):
        click.get_current_context().exit(NOT_FOUND)
