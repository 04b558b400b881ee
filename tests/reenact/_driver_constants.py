"""Known facts of the test driving video (imported by the conftest and the tests)."""

DRIVER_FPS = 30.0
YAW_AMPLITUDE = 12.0
BLINK_TIMES = (0.9, 2.1)   # seconds
