#!/usr/bin/env python3
"""Authoring aid for Tests/TernProgramsTests/Fixtures/repair-corpus.jsonl.

Every `expected` below is written by hand as the value the model meant; none comes from running
the parser. Python literals are only used so the malformed inputs need no JSON escaping by hand.
Run: python3 scripts/make_repair_corpus.py > Tests/TernProgramsTests/Fixtures/repair-corpus.jsonl
"""
import json, sys

F = "```"
cases = []
def case(cid, category, fmt, inp, expected):
    cases.append({"id": cid, "category": category, "format": fmt, "input": inp, "expected": expected})

# ---------------------------------------------------------------- code-fence
c = "code-fence"
case("fence-json-object", c, "json", F + 'json\n{"name": "Ada", "age": 36}\n' + F, {"name": "Ada", "age": 36})
case("fence-plain-array", c, "json", F + '\n[1, 2, 3]\n' + F, [1, 2, 3])
case("fence-uppercase-tag", c, "json", F + 'JSON\n{"ok": true}\n' + F + '\n', {"ok": True})
case("fence-with-prose", c, "json", 'Here is the result:\n\n' + F + 'json\n{\n  "city": "Zürich",\n  "population": 421878\n}\n' + F + '\n\nLet me know if you need anything else!', {"city": "Zürich", "population": 421878})
case("fence-unclosed", c, "json", F + 'json\n{"items": [{"id": 1}, {"id": 2}]}\n', {"items": [{"id": 1}, {"id": 2}]})
case("fence-nested-json", c, "json", F + 'json\n{"user": {"name": "Li Wei", "roles": ["admin", "dev"]}, "active": false}\n' + F, {"user": {"name": "Li Wei", "roles": ["admin", "dev"]}, "active": False})
case("fence-indented", c, "json", '  ' + F + 'json\n  {"score": 0.87}\n  ' + F, {"score": 0.87})
case("fence-json5-tag", c, "json", F + 'json5\n{"emoji": "🎉", "count": -3}\n' + F, {"emoji": "🎉", "count": -3})
case("fence-yaml", c, "yaml", F + 'yaml\nname: Ada\nage: 36\n' + F, {"name": "Ada", "age": 36})
case("fence-yaml-list", c, "yaml", 'Sure:\n' + F + 'yml\n- apples\n- pears\n' + F, ["apples", "pears"])

case("fence-after-prose-same-line", "code-fence", "json", "Sure! " + F + "json\n{name: 'Ada', age: 36,}\n" + F, {"name": "Ada", "age": 36})
case("fence-closed-on-value-line", "code-fence", "json", F + 'json\n{"ok": false, "n": 2}' + F + "\nDone.", {"ok": False, "n": 2})

# ---------------------------------------------------------------- prose-around
c = "prose-around"
case("prose-before-object", c, "json", 'Sure! Here is the JSON you asked for: {"title": "Dune", "year": 1965}', {"title": "Dune", "year": 1965})
case("prose-after-object", c, "json", '{"sentiment": "positive", "confidence": 0.93}\n\nThe review is clearly positive.', {"sentiment": "positive", "confidence": 0.93})
case("prose-both-sides", c, "json", 'Based on the text, I extracted:\n{"people": ["Marie Curie", "Pierre Curie"]}\nI hope this helps.', {"people": ["Marie Curie", "Pierre Curie"]})
case("prose-array", c, "json", 'The top three are [ "Tokyo", "Delhi", "Shanghai" ] according to the UN.', ["Tokyo", "Delhi", "Shanghai"])
case("prose-citation-bracket", c, "json", 'According to the report [1], the answer is:\n{"answer": 42, "source": "report"}', {"answer": 42, "source": "report"})
case("prose-braces-in-words", c, "json", 'I will use the {name, age} format. Result: {"name": "Bo", "age": 7}', {"name": "Bo", "age": 7})
case("prose-bare-number", c, "json", '  42\n', 42)
case("prose-bare-bool", c, "json", 'true', True)
case("prose-nested-after", c, "json", 'Output:\n{"a": {"b": {"c": [1, {"d": null}]}}}\n-- end of output --', {"a": {"b": {"c": [1, {"d": None}]}}})
case("prose-yaml-before", c, "yaml", "Here is the YAML you requested:\n\nname: Widget\nprice: 9.99\n", {"name": "Widget", "price": 9.99})
case("prose-yaml-after", c, "yaml", "status: done\nitems:\n  - a\n  - b\n\nThis lists the finished items.", {"status": "done", "items": ["a", "b"]})
case("prose-yaml-both", c, "yaml", "Sure! Here it is:\n\nlanguage: Swift\nversion: 6\n\nLet me know if you need changes.", {"language": "Swift", "version": 6})

# ---------------------------------------------------------------- trailing-comma
c = "trailing-comma"
case("tc-object", c, "json", '{"a": 1, "b": 2,}', {"a": 1, "b": 2})
case("tc-array", c, "json", '[1, 2, 3,]', [1, 2, 3])
case("tc-nested", c, "json", '{\n  "tags": ["x", "y",],\n  "meta": {"k": "v",},\n}', {"tags": ["x", "y"], "meta": {"k": "v"}})
case("tc-whitespace", c, "json", '[\n  {"id": 1},\n  {"id": 2},\n]\n', [{"id": 1}, {"id": 2}])
case("tc-double", c, "json", '{"a": 1,, "b": 2}', {"a": 1, "b": 2})
case("tc-unicode", c, "json", '{"greeting": "こんにちは", "lang": "ja",}', {"greeting": "こんにちは", "lang": "ja"})
case("tc-numbers", c, "json", '{"values": [1.5, -2, 3e2,],}', {"values": [1.5, -2, 300]})
case("tc-empty-then-comma", c, "json", '{"list": [], "obj": {},}', {"list": [], "obj": {}})
case("tc-yaml-flow", c, "yaml", "tags: [red, green, blue,]\n", {"tags": ["red", "green", "blue"]})

# ---------------------------------------------------------------- single-quotes
c = "single-quotes"
case("sq-python-dict", c, "json", "{'name': 'Ada', 'age': 36}", {"name": "Ada", "age": 36})
case("sq-array", c, "json", "['a', 'b', 'c']", ["a", "b", "c"])
case("sq-apostrophe-inside", c, "json", "{'quote': 'it's fine', 'n': 1}", {"quote": "it's fine", "n": 1})
case("sq-escaped-apostrophe", c, "json", "{'text': 'don\\'t panic'}", {"text": "don't panic"})
case("sq-double-inside", c, "json", "{'html': '<a href=\"/x\">link</a>'}", {"html": '<a href="/x">link</a>'})
case("sq-mixed", c, "json", "{\"id\": 7, 'label': 'seven'}", {"id": 7, "label": "seven"})
case("sq-nested", c, "json", "{'user': {'first': 'Émile', 'tags': ['fr', 'math']}}", {"user": {"first": "Émile", "tags": ["fr", "math"]}})
case("sq-python-repr", c, "json", "[{'id': 1, 'ok': True}, {'id': 2, 'ok': False}]", [{"id": 1, "ok": True}, {"id": 2, "ok": False}])

# ---------------------------------------------------------------- unquoted-keys
c = "unquoted-keys"
case("uk-simple", c, "json", '{name: "Ada", age: 36}', {"name": "Ada", "age": 36})
case("uk-js-object", c, "json", '{\n  firstName: "Grace",\n  lastName: "Hopper",\n  born: 1906\n}', {"firstName": "Grace", "lastName": "Hopper", "born": 1906})
case("uk-dashes", c, "json", '{max-tokens: 256, top_p: 0.9}', {"max-tokens": 256, "top_p": 0.9})
case("uk-dollar", c, "json", '{$id: "x1", value: null}', {"$id": "x1", "value": None})
case("uk-nested", c, "json", '{outer: {inner: [1, 2], flag: true}}', {"outer": {"inner": [1, 2], "flag": True}})
case("uk-numeric-key", c, "json", '{1: "one", 2: "two"}', {"1": "one", "2": "two"})
case("uk-unicode-key", c, "json", '{città: "Roma", paese: "Italia"}', {"città": "Roma", "paese": "Italia"})
case("uk-array-of-objects", c, "json", '[{id: 1, name: "a"}, {id: 2, name: "b"}]', [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])

# ---------------------------------------------------------------- smart-quotes
c = "smart-quotes"
case("smq-object", c, "json", '{“name”: “Ada”, “age”: 36}', {"name": "Ada", "age": 36})
case("smq-array", c, "json", '[“red”, “green”]', ["red", "green"])
case("smq-single", c, "json", "{‘city’: ‘Paris’}", {"city": "Paris"})
case("smq-apostrophe", c, "json", "{‘note’: ‘it’s late’}", {"note": "it’s late"})
case("smq-mixed-straight", c, "json", '{"title": “Hello”, “lang”: "en"}', {"title": "Hello", "lang": "en"})
case("smq-nested", c, "json", '{“user”: {“name”: “Zoë”, “langs”: [“nl”, “en”]}}', {"user": {"name": "Zoë", "langs": ["nl", "en"]}})
case("smq-inside-straight", c, "json", '{"quote": "She said “hi” to me"}', {"quote": "She said “hi” to me"})
case("smq-fenced", c, "json", F + 'json\n{“ok”: true, “n”: 2}\n' + F, {"ok": True, "n": 2})

# ---------------------------------------------------------------- python-literals
c = "python-literals"
case("py-true-false", c, "json", '{"valid": True, "spam": False}', {"valid": True, "spam": False})
case("py-none", c, "json", '{"middle_name": None}', {"middle_name": None})
case("py-list", c, "json", '[True, False, None]', [True, False, None])
case("py-dict-all", c, "json", "{'done': True, 'error': None, 'retries': 0}", {"done": True, "error": None, "retries": 0})
case("py-js-undefined", c, "json", '{"a": undefined, "b": 1}', {"a": None, "b": 1})
case("py-nan", c, "json", '{"score": NaN, "rank": 3}', {"score": None, "rank": 3})
case("py-nested", c, "json", '{"results": [{"match": True, "alt": None}, {"match": False, "alt": "x"}]}', {"results": [{"match": True, "alt": None}, {"match": False, "alt": "x"}]})
case("py-bare", c, "json", 'None', None)
case("py-uppercase", c, "json", '{"flag": TRUE}', {"flag": True})

# ---------------------------------------------------------------- comments
c = "comments"
case("cm-line", c, "json", '{\n  "a": 1, // the first\n  "b": 2\n}', {"a": 1, "b": 2})
case("cm-block", c, "json", '{"a": /* inline */ 1}', {"a": 1})
case("cm-hash", c, "json", '{\n  "port": 8080  # default port\n}', {"port": 8080})
case("cm-leading", c, "json", '// Generated output\n{"ok": true}', {"ok": True})
case("cm-in-array", c, "json", '[\n  1, // one\n  2, /* two */\n  3\n]', [1, 2, 3])
case("cm-url-in-string", c, "json", '{"url": "https://example.com/a#b"} // link', {"url": "https://example.com/a#b"})
case("cm-multiline-block", c, "json", '/*\n * result\n */\n{"x": [1, 2]}', {"x": [1, 2]})
case("cm-ellipsis", c, "json", '{\n  "items": [\n    "a",\n    "b"\n    // ... more items\n  ]\n}', {"items": ["a", "b"]})
case("cm-yaml", c, "yaml", "# settings\nport: 8080 # http\nhost: localhost\n", {"port": 8080, "host": "localhost"})

# ---------------------------------------------------------------- missing-closer
c = "missing-closer"
case("mc-object", c, "json", '{"a": 1, "b": 2', {"a": 1, "b": 2})
case("mc-array", c, "json", '[1, 2, 3', [1, 2, 3])
case("mc-nested", c, "json", '{"a": {"b": [1, 2', {"a": {"b": [1, 2]}})
case("mc-string", c, "json", '{"summary": "The meeting was postponed', {"summary": "The meeting was postponed"})
case("mc-trailing-comma", c, "json", '{"a": 1, "b": [true, false],', {"a": 1, "b": [True, False]})
case("mc-dangling-key", c, "json", '{"a": 1, "b":', {"a": 1})
case("mc-array-objects", c, "json", '[{"id": 1}, {"id": 2, "name": "x"', [{"id": 1}, {"id": 2, "name": "x"}])
case("mc-wrong-closer", c, "json", '{"list": [1, 2}', {"list": [1, 2]})
case("mc-fenced-truncated", c, "json", F + 'json\n{\n  "steps": [\n    "mix",\n    "bake"\n', {"steps": ["mix", "bake"]})
case("mc-yaml-flow", c, "yaml", "tags: [a, b\n", {"tags": ["a", "b"]})

# ---------------------------------------------------------------- yaml-colon-in-value
c = "yaml-colon-in-value"
case("ycv-note", c, "yaml", "title: Note: read this\n", {"title": "Note: read this"})
case("ycv-time", c, "yaml", "meeting: 10:30\nroom: B2\n", {"meeting": "10:30", "room": "B2"})
case("ycv-url", c, "yaml", "homepage: https://example.com:8443/path\n", {"homepage": "https://example.com:8443/path"})
case("ycv-ratio", c, "yaml", "ratio: 16:9\nlabel: Aspect: wide\n", {"ratio": "16:9", "label": "Aspect: wide"})
case("ycv-nested", c, "yaml", "task:\n  name: Fix bug\n  detail: Error: index out of range\n", {"task": {"name": "Fix bug", "detail": "Error: index out of range"}})
case("ycv-in-list-mapping", c, "yaml", "- q: What is 2+2?\n  a: Answer: 4\n", [{"q": "What is 2+2?", "a": "Answer: 4"}])
case("ycv-multiple", c, "yaml", "summary: Step 1: plan. Step 2: build.\n", {"summary": "Step 1: plan. Step 2: build."})
case("ycv-quoted-start", c, "yaml", 'quote: "Warning": do not touch\n', {"quote": '"Warning": do not touch'})
case("ycv-unicode", c, "yaml", "titre: Remarque : à lire\n", {"titre": "Remarque : à lire"})

# ---------------------------------------------------------------- yaml-tabs
c = "yaml-tabs"
case("yt-tab-mapping", c, "yaml", "server:\n\thost: localhost\n\tport: 8080\n", {"server": {"host": "localhost", "port": 8080}})
case("yt-tab-nested", c, "yaml", "a:\n\tb:\n\t\tc: 1\n\td: 2\n", {"a": {"b": {"c": 1}, "d": 2}})
case("yt-tab-list", c, "yaml", "fruits:\n\t- apple\n\t- banana\n", {"fruits": ["apple", "banana"]})
case("yt-mixed-spaces", c, "yaml", "db:\n  user: admin\n\tpass: secret\n", {"db": {"user": "admin", "pass": "secret"}})
case("yt-tab-after-colon", c, "yaml", "name:\tAda\nage:\t36\n", {"name": "Ada", "age": 36})
case("yt-tab-list-of-maps", c, "yaml", "people:\n\t- name: Ann\n\t  age: 30\n\t- name: Bob\n\t  age: 25\n", {"people": [{"name": "Ann", "age": 30}, {"name": "Bob", "age": 25}]})
case("yt-tab-four-unit", c, "yaml", "root:\n    x: 1\n\ty: 2\n", {"root": {"x": 1, "y": 2}})
case("yt-tab-block-scalar", c, "yaml", "body: |\n\tline one\n\tline two\nend: true\n", {"body": "line one\nline two\n", "end": True})

# ---------------------------------------------------------------- yaml-indentation
c = "yaml-indentation"
case("yi-child-one-space", c, "yaml", "person:\n name: Ada\n age: 36\n", {"person": {"name": "Ada", "age": 36}})
case("yi-child-three-spaces", c, "yaml", "person:\n   name: Ada\n   age: 36\n", {"person": {"name": "Ada", "age": 36}})
case("yi-sibling-one-more", c, "yaml", "config:\n  debug: true\n   level: 3\n  name: x\n", {"config": {"debug": True, "level": 3, "name": "x"}})
case("yi-sibling-one-less", c, "yaml", "config:\n  debug: true\n level: 3\n  name: x\n", {"config": {"debug": True, "level": 3, "name": "x"}})
case("yi-top-level-off", c, "yaml", "name: Ada\n age: 36\ncity: London\n", {"name": "Ada", "age": 36, "city": "London"})
case("yi-list-items-off", c, "yaml", "steps:\n  - one\n   - two\n  - three\n", {"steps": ["one", "two", "three"]})
case("yi-list-map-off", c, "yaml", "- id: 1\n   name: a\n- id: 2\n  name: b\n", [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
case("yi-deep-mixed", c, "yaml", "a:\n  b:\n     c: 1\n     d: 2\n  e: 3\n", {"a": {"b": {"c": 1, "d": 2}, "e": 3}})
case("yi-back-to-parent", c, "yaml", "outer:\n    inner:\n        leaf: x\n    other: y\nlast: z\n", {"outer": {"inner": {"leaf": "x"}, "other": "y"}, "last": "z"})

# ---------------------------------------------------------------- strict
c = "strict"
case("strict-json-object", c, "json", '{"a": [1, 2.5, -3e-2], "b": {"c": null, "d": false}, "e": "x\\n\\"y\\"\\u00e9\\ud83d\\ude00"}', {"a": [1, 2.5, -0.03], "b": {"c": None, "d": False}, "e": 'x\n"y"é😀'})
case("strict-json-array", c, "json", '[{"k": "v"}, [], {}, "", 0]', [{"k": "v"}, [], {}, "", 0])
case("strict-json-string", c, "json", '"just a string"', "just a string")
case("strict-json-escapes", c, "json", '{"path": "C:\\\\dir\\/file", "tab": "a\\tb"}', {"path": "C:\\dir/file", "tab": "a\tb"})
case("strict-yaml-mapping", c, "yaml", "name: Tern\nversion: 1.2\nstable: false\nnothing: ~\nlabel: yes\n", {"name": "Tern", "version": 1.2, "stable": False, "nothing": None, "label": "yes"})
case("strict-yaml-nested", c, "yaml", "model:\n  layers: 32\n  heads:\n    - 8\n    - 16\nnotes: |\n  first\n  second\nfolded: >-\n  one\n  two\n", {"model": {"layers": 32, "heads": [8, 16]}, "notes": "first\nsecond\n", "folded": "one two"})
case("strict-yaml-flow", c, "yaml", "point: {x: 1, y: -2}\nnames: ['a b', \"c\\td\"]\n", {"point": {"x": 1, "y": -2}, "names": ["a b", "c\td"]})
case("strict-yaml-docstart", c, "yaml", "---\n- name: a\n  tags: [x]\n- name: b\n  tags: []\n", [{"name": "a", "tags": ["x"]}, {"name": "b", "tags": []}])

for item in cases:
    sys.stdout.write(json.dumps(item, ensure_ascii=False) + "\n")
