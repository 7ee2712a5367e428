"""The demo's sample clips play in Chromium with a picture, not only sound (issue 13 §1): MPEG-4 Part 2, which
the demo used to encode, plays its audio in Chromium and shows nothing."""

import base64

import pytest

from zhifa.demo.media import H264, VP9, demo_clip, encodable

PLAY = """async ([data, type]) => {
  const video = document.createElement("video");
  video.muted = true;
  document.body.append(video);
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const ready = new Promise(resolve => {
    video.addEventListener("canplay", () => resolve("canplay"), {once: true});
    video.addEventListener("error", () => resolve("error " + video.error.code + " " + video.error.message));
    setTimeout(() => resolve("timeout"), 10000);
  });
  video.src = URL.createObjectURL(new Blob([bytes], {type}));
  const event = await ready;
  if (event !== "canplay" || !video.videoWidth) return {event, width: video.videoWidth, height: video.videoHeight};
  video.currentTime = 1;
  await new Promise(resolve => video.addEventListener("seeked", resolve, {once: true}));
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  const g = canvas.getContext("2d");
  // A loaded machine may paint the seeked frame a little after "seeked" (a black frame was read once in CI): read
  // the frame again for up to 2 s until it shows its bars.
  let colours = new Set();
  for (let attempt = 0; attempt < 20 && colours.size < 6; attempt++) {
    if (attempt) await new Promise(resolve => setTimeout(resolve, 100));
    g.drawImage(video, 0, 0);
    const row = g.getImageData(0, 5, canvas.width, 1).data;  // one line across the colour bars
    colours = new Set();
    for (let x = 0; x < canvas.width; x += 8) colours.add([0, 1, 2].map(c => Math.round(row[4 * x + c] / 64)).join());
  }
  return {event, width: video.videoWidth, height: video.videoHeight, duration: video.duration, colours: [...colours]};
}"""


@pytest.mark.parametrize("fmt", [H264, VP9], ids=["h264-mp4", "vp9-webm"])
def test_demo_clip_plays_in_chromium_with_a_picture(browser, fmt):
    if not encodable(fmt):
        pytest.skip(f"this PyAV build has no {fmt.video} encoder")
    clip = demo_clip("演示音像记录", seconds=3, fmt=fmt)
    page = browser.new_page()
    try:
        result = page.evaluate(PLAY, [base64.b64encode(clip).decode(), fmt.content_type])
    finally:
        page.close()
    assert result["event"] == "canplay", result
    assert (result["width"], result["height"]) == (320, 240), result  # 0 × 0 is sound without a picture
    assert result["duration"] == pytest.approx(3, abs=0.1)
    assert len(result["colours"]) >= 6, result  # the seven bars, not a black or blank frame
