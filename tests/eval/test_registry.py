"""Metric lookup and parameter checks: every metric declares what it takes; anything else is refused."""

from __future__ import annotations

import pytest

from thg.errors import BackendMissingError, InputError, UsageError
from thg.eval.metrics import METRICS
from thg.eval.registry import check_param_table, create_metric


@pytest.mark.parametrize("params,message", [
    ({"win_size": 7}, "ssim has no parameter 'win_size'.*ssim takes data_range, channels"),
    ({"chanels": "y"}, "did you mean channels"),
    ({"channels": "yuv"}, r"ssim.channels='yuv': expected one of rgb, y, gray"),
    ({"data_range": "abc"}, "expected a number"),
    ({"data_range": 0}, "expected a number ≥ 1e-06"),
])
def test_unknown_or_bad_parameters_are_usage_errors(params, message):
    with pytest.raises(UsageError, match=message):
        create_metric("ssim", **params)


def test_values_are_converted_to_the_declared_types():
    m = create_metric("psnr", max_db=80, data_range=255)
    assert m.max_db == 80.0 and isinstance(m.params["max_db"], float)
    with pytest.raises(UsageError, match="fid.stride='abc': expected an integer from 1 to 10000"):
        check_param_table({"fid": {"stride": "abc"}}, ["fid"])
    assert check_param_table({"fid": {"stride": 2.0}}, ["fid"]) == {"fid": {"stride": 2}}
    with pytest.raises(UsageError, match="expected true or false"):
        create_metric("lmd-mouth", center="yes")


def test_parameters_of_a_metric_not_in_the_run_are_refused():
    with pytest.raises(UsageError, match="metric 'ssmi' is not in this run; did you mean ssim"):
        check_param_table({"ssmi": {"channels": "y"}}, ["psnr", "ssim"])


@pytest.mark.parametrize("name", sorted(METRICS))
def test_every_metric_accepts_its_declared_defaults(name, tmp_path):
    cls = __import__("thg.eval.registry", fromlist=["_resolve"])._resolve(name)
    defaults = {p.name: p.default for p in cls.PARAMS if p.default is not None}
    try:
        m = create_metric(name, weights_dir=tmp_path, **defaults)
    except (BackendMissingError, InputError) as e:   # a model file it needs is not in the empty folder
        assert not isinstance(e, UsageError), e
        return
    assert set(m.params) - {"weights_dir"} <= {p.name for p in cls.PARAMS}
