"""espeak-ng synthesis through its library: the same text is spoken the same way every time."""

from __future__ import annotations

import threading

import numpy as np

from thg.features.speech import synthesize


def test_the_same_text_is_spoken_the_same_way_each_time():
    # (loaded once, espeak-ng's synthesiser carried its state over: each call came out a few samples
    # longer or shorter, and its motion with it)
    text = "Bob bought a big map. We met by the pool."
    first, phonemes = synthesize(text)
    synthesize("Something else in between, in another language?", "de")
    for _ in range(2):
        again, phonemes_again = synthesize(text)
        assert np.array_equal(again.samples, first.samples) and phonemes_again == phonemes


def test_synthesis_from_several_threads_at_once_is_the_same_as_alone():
    text = "We met by the pool at noon."
    alone = synthesize(text)[0].samples
    out: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: out.append(synthesize(text)[0].samples)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 4 and all(np.array_equal(o, alone) for o in out)
