import pytest

from thg.errors import BackendMissingError
from thg.eval.weights import ENV_VAR, weights_path


def test_found_in_folder_and_env(tmp_path, monkeypatch):
    (tmp_path / "alex.pth").write_bytes(b"x")
    assert weights_path("alex.pth", "lpips", "https://example.org", tmp_path) == tmp_path / "alex.pth"
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert weights_path("alex.pth", "lpips", "https://example.org") == tmp_path / "alex.pth"


def test_subfolder_name_or_bare_name(tmp_path):
    (tmp_path / "backbone.pth").write_bytes(b"x")
    assert weights_path("ms1mv3/backbone.pth", "csim", "u", tmp_path).name == "backbone.pth"


def test_missing_file_is_one_line_naming_file_metric_and_url(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    for folder in (tmp_path, None):
        with pytest.raises(BackendMissingError) as err:
            weights_path("syncnet_v2.model", "lse-c", "https://www.robots.ox.ac.uk/~vgg/software/lipsync/", folder)
        msg = str(err.value)
        assert "\n" not in msg
        assert "syncnet_v2.model" in msg and "lse-c" in msg and "robots.ox.ac.uk" in msg
