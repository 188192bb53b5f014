"""Drives the playground in a real headless Chromium (Debian's chromium and chromium-driver,
through selenium) against a running `tern serve --api-key KEY`, as a user would.

Usage: playground_browser.py BASE_URL API_KEY SCREENSHOT_DIR
Prints one JSON object with what it saw; exits 1 with a message on the first failed check.
"""
import json
import os
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

base, key, shots = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
os.makedirs(shots, exist_ok=True)
seen = {}


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        try:
            driver.save_screenshot(os.path.join(shots, "failure.png"))
            print(f"status line: {text('status')!r}", file=sys.stderr)
        except Exception:
            pass
        sys.exit(1)


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000"]:
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_window_size(1280, 1000)
wait = WebDriverWait(driver, 180, poll_frequency=0.1)


def el(id_):
    return driver.find_element(By.ID, id_)


def text(id_):
    return el(id_).get_attribute("textContent")


def until(condition, what, timeout=180):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition())
    except Exception:
        check(False, f"timed out waiting for {what}")


def generation_done():
    return el("gen-state").get_attribute("data-done") == "1" and "tokens in" in text("gen-state")


def tokens():
    return driver.find_elements(By.CSS_SELECTOR, "#output .tok")


def shot(name, at=None):
    if at:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el(at))
    else:
        driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(os.path.join(shots, name + ".png"))


try:
    # 1. The page asks for the key once (the API answers 401 without it), then composes.
    driver.get(base + "/")
    until(lambda: el("key-dialog").get_attribute("open") is not None, "the API key dialog")
    el("key-input").send_keys(key + Keys.ENTER)
    until(lambda: "<start_of_turn>user" in text("prompt"), "the rendered prompt")
    until(generation_done, "the first generation")
    first_prompt = text("prompt")
    check(len(tokens()) > 0, "tokens are shown")
    check(all(t.get_attribute("style").startswith("background") for t in tokens()), "tokens are coloured by probability")
    seen["first_prompt"] = first_prompt

    # 2. A slider changes the prompt the model sees, at once, and a new generation streams in.
    el("expertise").send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT)  # adult -> child
    until(lambda: "eight-year-old" in text("prompt"), "the prompt to follow the expertise slider", timeout=10)
    check(text("prompt").startswith("<bos><start_of_turn>user\n"), "the prompt shows the template's special tokens")
    check(driver.find_element(By.CSS_SELECTOR, 'output[for="expertise"]').text == "a child", "the slider's label")
    until(lambda: "generating" in text("gen-state") or generation_done(), "a new generation")
    until(generation_done, "the new generation to finish")
    child_text = "".join(t.get_attribute("textContent") for t in tokens())
    check(len(child_text) > 0, "the new generation streamed text")
    seen["child_output"] = child_text

    # 3. Hovering a token lists its alternatives; clicking one regenerates from that point.
    spans = tokens()
    index = min(2, len(spans) - 1)
    before = [t.get_attribute("textContent") for t in spans[:index]]
    ActionChains(driver).move_to_element(spans[index]).perform()
    until(lambda: not el("token-popup").get_attribute("hidden") and el("token-popup").is_displayed(), "the alternatives popup", 10)
    alternatives = [b for b in el("token-popup").find_elements(By.TAG_NAME, "button") if "chosen" not in (b.get_attribute("class") or "")]
    check(alternatives, "an alternative to the chosen token")
    pick = alternatives[0].find_elements(By.TAG_NAME, "span")[0].get_attribute("textContent")
    seen["alternatives"] = [b.text for b in el("token-popup").find_elements(By.TAG_NAME, "button")]
    alternatives[0].click()
    until(lambda: "generating" in text("gen-state") or generation_done(), "the regeneration")
    until(generation_done, "the regeneration to finish")
    after = [t.get_attribute("textContent") for t in tokens()]
    shown = pick.replace("⏎", "\n").replace("␣", " ")
    check(after[:index] == before, f"the tokens before the choice are kept: {after[:index]} vs {before}")
    check(after[index] == shown, f"the chosen alternative {shown!r} is in place: {after[index]!r}")
    check(len(after) > index + 1, "the text went on from the alternative")
    seen["regenerated"] = "".join(after)

    # Keyboard: a token takes focus, Enter opens its alternatives with the first one focused.
    spans = tokens()
    driver.execute_script("arguments[0].focus()", spans[0])
    spans[0].send_keys(Keys.ENTER)
    until(lambda: driver.switch_to.active_element.tag_name == "button"
          and el("token-popup").is_displayed(), "keyboard access to the alternatives", 10)
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)

    # The entropy chart, and forking paths on the current output (kept short).
    until(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#entropy svg polyline")) == 1, "the entropy chart", 10)
    max_tokens = el("max_tokens")
    for _ in range(5):
        max_tokens.send_keys(Keys.ARROW_LEFT)  # 64 -> 24 tokens
    until(lambda: el("max_tokens").get_attribute("value") == "24", "a shorter output", 10)
    until(lambda: "generating" in text("gen-state"), "the shorter generation", 10)
    until(generation_done, "the shorter generation to finish")
    el("forks-samples").clear()
    el("forks-samples").send_keys("2")
    el("run-forks").click()
    until(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#forks svg polyline")) == 2, "the forking-paths chart", 300)
    seen["forks_note"] = driver.find_element(By.CSS_SELECTOR, "#forks p").text
    shot("compose-desktop")

    # JSON with a preset schema: the server's grammar makes the output parse, with the schema's keys.
    Select(el("format")).select_by_value("json")
    until(lambda: "Answer only with JSON" in text("prompt") and el("schema-row").is_displayed(), "the JSON instruction", 10)
    until(lambda: "generating" in text("gen-state"), "the JSON generation", 10)
    until(generation_done, "the JSON generation to finish")
    answer = json.loads("".join(t.get_attribute("textContent") for t in tokens()))
    check(set(answer) >= {"answer", "confidence"}, f"the schema's keys: {answer}")
    seen["json_output"] = answer
    Select(el("format")).select_by_value("prose")
    until(lambda: "Write plain prose" in text("prompt"), "prose again", 10)
    until(generation_done, "the prose generation to finish")

    # 4. A/B: two settings on the same task and seed, judged in both orders.
    el("tab-compare").click()
    el("compare-run").click()
    until(lambda: len(driver.find_elements(By.ID, "verdict-text")) == 1, "the judge's verdict", 400)
    columns = driver.find_elements(By.CSS_SELECTOR, "#compare-columns .tokens")
    check(len(columns) == 2 and all(c.get_attribute("textContent") for c in columns), "both columns generated")
    seen["verdict"] = text("verdict-text")
    check(seen["verdict"].startswith("Verdict: "), f"a verdict: {seen['verdict']}")
    shot("compare-desktop")

    # 5. Escaping: a model output that contains <script> is shown as text and never runs.
    body = json.dumps({"prompt": "Echo: <script>window.ternXSS=1</script>\nEcho: <script>window.ternXSS=1</script>\nEcho:",
                       "max_tokens": 16, "temperature": 0}).encode()
    request = urllib.request.Request(base + "/v1/completions", data=body, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    echoed = json.load(urllib.request.urlopen(request))["choices"][0]["text"]
    check("<script>" in echoed, f"the model generated <script> text: {echoed!r}")

    # 6. Traces: search, open a call, find its exact prompt; then the echo's output as text.
    el("tab-traces").click()
    until(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#trace-table tbody tr")) > 0, "the trace list")
    el("trace-q").send_keys("eight-year-old" + Keys.ENTER)
    until(lambda: "of" in text("trace-page") and all("eight-year-old" not in r.text or True
                                                     for r in driver.find_elements(By.CSS_SELECTOR, "#trace-table tbody tr")),
          "filtered traces", 10)
    rows = driver.find_elements(By.CSS_SELECTOR, "#trace-table tbody tr")
    check(rows and rows[0].get_attribute("data-id"), "a matching call")
    rows[0].click()
    until(lambda: len(driver.find_elements(By.ID, "trace-prompt")) == 1, "the call's detail", 10)
    prompt = text("trace-prompt")
    check("<start_of_turn>user" in prompt and "eight-year-old" in prompt, f"the exact prompt: {prompt[:200]!r}")
    seen["trace_prompt"] = prompt
    shot("traces-desktop")

    # The judge's two calls (both orders) sit under one span; the other call opens from the tree.
    el("trace-q").clear()
    el("trace-q").send_keys("[Assistant A's answer]" + Keys.ENTER)
    until(lambda: text("trace-page").endswith("of 2"), "the judge's two calls", 10)
    driver.find_elements(By.CSS_SELECTOR, "#trace-table tbody tr[data-id]")[0].click()
    until(lambda: driver.find_elements(By.ID, "span-tree"), "the span tree", 10)
    tree = text("span-tree")
    check(tree.startswith("judge") and '"verdict"' in tree, f"the judge span with its verdict: {tree[:200]!r}")
    other = driver.find_elements(By.CSS_SELECTOR, "#span-tree li.open-call")
    check(len(other) == 1, "the other order's call in the tree")
    other_id = other[0].text.split()[1]  # "call #N complete: …"
    other[0].click()
    until(lambda: f"{other_id} · complete" in text("trace-detail"), f"call {other_id} opened from the tree", 10)
    check("arithmetic (seeded)" in text("eval-table") and "62.5%" in text("eval-table"), f"the stored evaluation: {text('eval-table')!r}")
    shot("traces-span-desktop", "span-tree")

    el("trace-q").clear()
    el("trace-q").send_keys("ternXSS" + Keys.ENTER)
    until(lambda: driver.find_elements(By.CSS_SELECTOR, "#trace-table tbody tr[data-id]"), "the echo call", 10)
    driver.find_elements(By.CSS_SELECTOR, "#trace-table tbody tr[data-id]")[0].click()
    until(lambda: "<script>" in el("trace-detail").get_attribute("textContent"), "the <script> text shown", 10)
    check(driver.execute_script("return window.ternXSS === undefined"), "model output never runs as script")
    check(not driver.find_elements(By.CSS_SELECTOR, "#trace-detail script"), "no script element from model output")

    # 7. Models: the served models, selectable.
    el("tab-models").click()
    names = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#model-table tbody tr")]
    check(any(n.startswith("gemma3-270m-it adapter") for n in names), f"the model list: {names}")
    shot("models-desktop")

    # 8. A phone-sized screen: the same views in one column, nothing wider than the screen.
    driver.set_window_size(390, 844)
    for view in ["compose", "compare", "traces", "models"]:
        el("tab-" + view).click()
        time.sleep(0.3)
        width = driver.execute_script("return document.documentElement.scrollWidth")
        check(width <= 391, f"the {view} view fits a phone's width ({width}px)")
        shot(view + "-phone")
    driver.set_window_size(1280, 1000)

    # 9. The server out of reach: a clear message, not a blank page.
    el("tab-compose").click()
    driver.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    el("length").send_keys(Keys.ARROW_RIGHT)
    until(lambda: el("status").is_displayed() and "Cannot reach" in text("status"), "the unreachable-server message", 15)
    seen["offline_message"] = text("status")
    shot("offline-desktop")
finally:
    driver.quit()

print(json.dumps(seen))
