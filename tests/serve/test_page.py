"""The page in headless chromium: a generated, a dubbed and a reenacted video play; a bad upload shows its
error; an evaluation shows its metrics."""

from __future__ import annotations

import pytest
from _serve import chromium
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait


@pytest.fixture(scope="module")
def browser():
    b = chromium()
    yield b
    b.quit()


def generate(browser, timeout: float = 180):
    browser.find_element(By.ID, "generate").click()
    WebDriverWait(browser, timeout).until(
        lambda b: b.execute_script("return !document.getElementById('result').hidden || "
                                   "!document.getElementById('error').hidden"))


def test_example_text_generates_a_video_that_plays_in_the_page(server, browser):
    browser.get(server.url)
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#gallery button"))
    browser.find_element(By.CSS_SELECTOR, "#gallery button[data-example=grace_hopper]").click()
    text = browser.find_element(By.ID, "text")
    text.clear()
    text.send_keys("Bob opens a big blue map.")
    browser.execute_script("document.getElementById('size').value = 256")
    generate(browser)
    assert browser.find_element(By.ID, "error").get_attribute("hidden") is not None, \
        browser.find_element(By.ID, "error").text
    # it plays: time advances, frames have the video's size, and there is sound to hear
    WebDriverWait(browser, 30).until(lambda b: b.execute_script(
        "const v = document.getElementById('video'); return v.readyState >= 2 && v.currentTime > 0.3"))
    w, h, duration = browser.execute_script(
        "const v = document.getElementById('video'); return [v.videoWidth, v.videoHeight, v.duration]")
    assert max(w, h) == 256 and 1.0 < duration < 5.0
    for link in ("dl-video", "dl-motion", "dl-report"):
        assert "/api/jobs/" in browser.find_element(By.ID, link).get_attribute("href")
    assert "mouth-sync" in browser.find_element(By.ID, "report").text


def test_bad_upload_shows_its_error_and_the_server_keeps_serving(server, browser, tmp_path):
    fake = tmp_path / "holiday.jpg"
    fake.write_text("not a photo, only a name that says so")
    browser.get(server.url)
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#gallery button"))
    browser.find_element(By.ID, "portrait").send_keys(str(fake))
    generate(browser)
    error = browser.find_element(By.ID, "error")
    assert error.is_displayed() and "portrait: not a JPEG, PNG, WebP or BMP image" in error.text
    # the same page, the example again: the server still makes videos
    browser.find_element(By.CSS_SELECTOR, "#gallery button[data-example=astronaut]").click()
    browser.execute_script("document.getElementById('size').value = 256")
    generate(browser)
    assert not error.is_displayed(), error.text
    assert browser.execute_script("return document.getElementById('video').src").endswith("/video")


def test_evaluate_tab_reports_the_chosen_metrics_with_plots(server, browser, tmp_path):
    status, job = server.submit({"text": "Hello, Bob opens a big map.", "example": "astronaut", "size": "512"})
    job = server.wait(job["id"])
    video = tmp_path / "made.mp4"
    video.write_bytes(server.get(job["downloads"]["video"])[1])
    browser.get(server.url)
    browser.find_element(By.CSS_SELECTOR, "nav button[data-tab=evaluate]").click()
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#eval-metrics input"))
    browser.find_element(By.ID, "eval-pred").send_keys(str(video))
    browser.find_element(By.ID, "eval-suite").click()                       # not the whole suite
    for name in ("mouth-sync", "smoothness-pixel"):
        browser.find_element(By.CSS_SELECTOR, f"#eval-metrics input[value={name}]").click()
    browser.find_element(By.ID, "eval-run").click()
    WebDriverWait(browser, 240).until(lambda b: b.execute_script(
        "return !document.getElementById('eval-result').hidden || !document.getElementById('eval-error').hidden"))
    table = browser.find_element(By.ID, "eval-table").text
    assert "mouth-sync" in table and "smoothness-pixel" in table, browser.find_element(By.ID, "eval-error").text
    sync = float(table.split("mouth-sync (↑)")[1].split()[0])
    assert sync > 0.4
    assert browser.find_elements(By.CSS_SELECTOR, "#eval-plots canvas")     # per-frame values drawn


def run_tab(browser, server, tab: str, timeout: float = 180):
    """Open the page on ``tab``; returns a function that submits its form and waits for a result or an error."""
    browser.get(server.url)
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#reenact-example option"))
    browser.find_element(By.CSS_SELECTOR, f"nav button[data-tab={tab}]").click()

    def submit() -> None:
        browser.find_element(By.ID, f"{tab}-run").click()
        WebDriverWait(browser, timeout).until(lambda b: b.execute_script(
            f"return !document.getElementById('{tab}-result').hidden || !document.getElementById('{tab}-error').hidden"))
        assert not browser.find_element(By.ID, f"{tab}-error").is_displayed(), \
            browser.find_element(By.ID, f"{tab}-error").text
    return submit


def playing(browser, player: str) -> tuple[int, int, float]:
    """Waits until the video element ``player`` plays; its (width, height, duration)."""
    WebDriverWait(browser, 30).until(lambda b: b.execute_script(
        f"const v = document.getElementById('{player}'); return v.readyState >= 2 && v.currentTime > 0.3"))
    return tuple(browser.execute_script(
        f"const v = document.getElementById('{player}'); return [v.videoWidth, v.videoHeight, v.duration]"))


def test_dub_tab_dubs_an_uploaded_clip_that_plays_in_the_page(server, browser, carphone_short):
    submit = run_tab(browser, server, "dub")
    browser.find_element(By.ID, "dub-run").click()                  # no clip chosen yet: told so, nothing sent
    error = browser.find_element(By.ID, "dub-error")
    WebDriverWait(browser, 10).until(lambda b: error.is_displayed())
    assert error.text == "video: no clip chosen; choose the video to dub"
    browser.find_element(By.ID, "dub-video").send_keys(str(carphone_short))
    text = browser.find_element(By.ID, "dub-text")
    text.clear()
    text.send_keys("Bob opens a big blue map.")
    submit()
    w, h, duration = playing(browser, "dub-player")
    assert (w, h) == (352, 288) and 1.0 < duration < 3.0        # the clip's frame, the new line's length
    for link in ("dub-dl-video", "dub-dl-motion"):
        assert "/api/jobs/" in browser.find_element(By.ID, link).get_attribute("href")
    assert "dubbed" in browser.find_element(By.ID, "dub-summary").text


def test_reenact_tab_animates_the_example_with_an_uploaded_driver(server, browser, carphone_short):
    submit = run_tab(browser, server, "reenact")
    browser.find_element(By.ID, "reenact-driving").send_keys(str(carphone_short))
    Select(browser.find_element(By.ID, "reenact-example")).select_by_value("grace_hopper")
    browser.execute_script("document.getElementById('reenact-size').value = 256")
    submit()
    w, h, duration = playing(browser, "reenact-player")
    assert max(w, h) == 256 and abs(duration - 1.5) < 0.15       # the driver's length
    assert "/api/jobs/" in browser.find_element(By.ID, "reenact-dl-motion").get_attribute("href")
