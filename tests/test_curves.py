import numpy as np

from thg.curves import despeckle, smoothstep


def test_smoothstep_ends_midpoint_and_monotone():
    x = np.linspace(-1, 2, 301)
    y = smoothstep(0.0, 1.0, x)
    assert y[x <= 0].max() == 0 and y[x >= 1].min() == 1
    assert float(smoothstep(0.0, 1.0, 0.5)) == 0.5
    assert np.all(np.diff(y) >= 0)
    assert float(smoothstep(2.0, 4.0, 3.0)) == 0.5          # the ramp follows its edges
    slope = np.diff(smoothstep(0.0, 1.0, [0.0, 1e-3, 1 - 1e-3, 1.0]))
    assert slope[0] < 1e-5 and slope[2] < 1e-5                # flat where it meets 0 and 1


def test_despeckle_drops_a_stray_reading_and_keeps_a_straight_line():
    line = np.arange(12, dtype=float)
    assert np.allclose(despeckle(line, 5)[2:-2], line[2:-2])   # a straight line stays (away from its ends)
    band = np.r_[13.0, 13.0, 13.0, 0.1, 12.8, 13.0, 13.0]       # one slice read wrong
    assert despeckle(band, 3).min() > 12.5
    assert len(despeckle(band, 3)) == len(band)
