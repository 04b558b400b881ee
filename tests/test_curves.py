import numpy as np

from thg.curves import smoothstep


def test_smoothstep_ends_midpoint_and_monotone():
    x = np.linspace(-1, 2, 301)
    y = smoothstep(0.0, 1.0, x)
    assert y[x <= 0].max() == 0 and y[x >= 1].min() == 1
    assert float(smoothstep(0.0, 1.0, 0.5)) == 0.5
    assert np.all(np.diff(y) >= 0)
    assert float(smoothstep(2.0, 4.0, 3.0)) == 0.5          # the ramp follows its edges
    slope = np.diff(smoothstep(0.0, 1.0, [0.0, 1e-3, 1 - 1e-3, 1.0]))
    assert slope[0] < 1e-5 and slope[2] < 1e-5                # flat where it meets 0 and 1
