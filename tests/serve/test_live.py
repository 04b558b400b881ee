"""Live sessions in headless chromium: frames arrive, the mouth opens while typed text is spoken and
closes after, audio arrives, an interruption stops the speech, sessions are isolated."""

from __future__ import annotations

import time

import numpy as np
import pytest
from _serve import CAPTURE_JS, chromium, decode_frames, mouth_openings
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

FAKE_MEDIA = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              "--disable-features=WebRtcHideLocalIpsWithMdns")


@pytest.fixture(scope="module")
def browser():
    b = chromium(*FAKE_MEDIA)
    b.set_script_timeout(60)
    yield b
    b.quit()


def start_live(browser, url: str | None) -> str:
    """Open the page at ``url`` (None: the page is open, on the Live tab), start a session, wait for frames."""
    if url is not None:
        browser.get(url)
        WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#gallery button"))
        browser.find_element(By.CSS_SELECTOR, "nav button[data-tab=live]").click()
    browser.find_element(By.ID, "live-start").click()
    WebDriverWait(browser, 120).until(lambda b: b.execute_script(
        "const v = document.getElementById('live-video');"
        "return (v.videoWidth > 0 && v.currentTime > 0.5) || !document.getElementById('live-error').hidden"))
    error = browser.find_element(By.ID, "live-error")
    assert not error.is_displayed(), error.text
    return browser.execute_script("return window.thgLiveSession")


def capture(browser, n: int, every_ms: int = 80):
    return decode_frames(browser.execute_async_script(CAPTURE_JS, n, "live-video", every_ms))


def say(browser, server, session: str, text: str) -> None:
    """Type ``text`` and press Enter; returns once the session speaks (speech is made in a blink on an
    idle machine, seconds on a loaded one)."""
    box = browser.find_element(By.ID, "live-text")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)
    wait_for(server, session, speaking=True)


def wait_for(server, session: str, speaking: bool, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while server.get_json(f"/api/live/{session}")[1]["speaking"] != speaking:
        assert time.monotonic() < deadline, f"the session did not {'start' if speaking else 'stop'} speaking"
        time.sleep(0.05)


def test_typed_text_opens_the_mouth_with_sound_then_it_idles(server, browser):
    session = start_live(browser, server.url)
    _, idle, idle_energy = capture(browser, 12)
    say(browser, server, session, "Bob opens a big blue map, and we look at it.")
    _, speaking, energy = capture(browser, 25)
    wait_for(server, session, speaking=False)
    time.sleep(0.8)   # what is on the way to the screen
    _, after, after_energy = capture(browser, 12)
    assert max(f.shape[1] for f in idle) == 512      # frames arrive at the portrait's size
    m_idle, m_speak, m_after = mouth_openings(idle), mouth_openings(speaking), mouth_openings(after)
    assert np.nanmax(m_idle) < 0.08                  # closed while silent
    assert np.nanmax(m_speak) > 0.15                 # opens while the text is spoken
    assert np.nanmedian(m_after) < 0.05              # and closes after
    assert np.std(np.stack(idle).astype(np.float32), axis=0).mean() > 0.2   # idling, not a frozen picture
    # the voice arrives: the audio energy grows while speaking, hardly before or after
    spoken = energy[-1] - energy[0]
    assert spoken > 0 and idle_energy[-1] - idle_energy[0] < 0.05 * spoken
    assert after_energy[-1] - after_energy[0] < 0.05 * spoken
    status, stats = server.get_json(f"/api/live/{session}")
    assert status == 200 and stats["frames"] > 50 and stats["utterances"] == 1


def test_interrupt_stops_speech(server, browser):
    session = start_live(browser, server.url)
    say(browser, server, session, "This is a long sentence that keeps going on and on, about maps and boats and bells.")
    time.sleep(1.0)
    browser.find_element(By.ID, "live-interrupt").click()
    wait_for(server, session, speaking=False, timeout=2)
    time.sleep(0.8)
    _, frames, energy = capture(browser, 15)
    assert np.nanmax(mouth_openings(frames)) < 0.08
    assert energy[-1] - energy[0] < 0.5      # silence (a spoken second adds several units)


def test_sessions_are_isolated(server, browser):
    first_window = browser.current_window_handle
    first = start_live(browser, server.url)
    browser.switch_to.new_window("window")
    second = start_live(browser, server.url)
    try:
        assert first != second
        say(browser, server, second, "Only the second portrait speaks. " + "Bob opens a big blue map, and looks at it. " * 3)
        _, speaking, _ = capture(browser, 12)
        browser.switch_to.window(first_window)
        assert server.get_json(f"/api/live/{second}")[1]["speaking"]     # still speaking over there
        _, quiet, energy = capture(browser, 12)
        assert np.nanmax(mouth_openings(speaking)) > 0.15
        assert np.nanmax(mouth_openings(quiet)) < 0.08 and energy[-1] - energy[0] < 0.05
        status, stats = server.get_json(f"/api/live/{first}")
        assert stats["utterances"] == 0 and not stats["speaking"]
    finally:   # a session that ends is gone, and frees its slot
        for session in (first, second):
            assert server.request("DELETE", f"/api/live/{session}")[0] == 200
    assert server.get_json(f"/api/live/{second}")[0] == 404


def test_microphone_speech_moves_the_mouth_and_is_voiced(server, speech_path, tmp_path):
    """The fake microphone plays espeak speech with a pause (looped): the mouth opens on the words,
    closes in the pause, and the voice comes back from the portrait."""
    b = chromium(*FAKE_MEDIA, f"--use-file-for-fake-audio-capture={speech_path}")
    b.set_script_timeout(60)
    try:
        b.get(server.url)
        WebDriverWait(b, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#gallery button"))
        b.find_element(By.CSS_SELECTOR, "nav button[data-tab=live]").click()
        b.find_element(By.ID, "live-mic").click()
        session = start_live(b, None)
        _, frames, energy = capture(b, 50, 100)     # 5 s: more than one pass through the 3 s recording
        mouth = mouth_openings(frames)
        assert np.nanmax(mouth) > 0.12 and np.nanmin(mouth) < 0.05
        assert energy[-1] - energy[0] > 0.01
        assert server.get_json(f"/api/live/{session}")[1]["mic_packets"] > 100
    finally:
        b.quit()


def test_a_killed_server_leaves_no_speech_process_behind(start_server):
    """The live speech worker (a process of its own) ends when its server is killed outright."""
    import time
    from pathlib import Path

    server = start_server()

    def children(pid: int) -> list[int]:
        kids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                kids.append(int(stat.parent.name))
        return kids

    deadline = time.monotonic() + 30
    while not (workers := children(server.proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert workers, "the live server started no speech worker"
    time.sleep(8)              # the worker is started (imports, warm-up) before the server is killed
    server.kill()
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
