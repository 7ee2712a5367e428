/* The portal's "核验" button (issue 18 §5, issue 19 §1): checks a published item's inclusion proof in the browser.
 *
 * Trusted: only the verifier keys embedded in the page (the log's published keys, listed at /ledger/verifier-keys
 * for comparison). The server computes no proof for this page: the page names the log entry (its seq and the header
 * its leaf commits to), and everything else comes from the log's static C2SP tlog-tiles (/ledger/checkpoint,
 * /ledger/tile/<L>/<N>[.p/<W>], docs/ledger.md "Tiles") and is recomputed here with WebCrypto:
 *   1. the log entry is the publication of this item (its subject) and of the kind "publicity.published";
 *   2. its leaf hash: SHA-256(0x00 || canonical JSON of the entry header), as zhifa/ledger/canonical.py and
 *      merkle.leaf_hash compute it (RFC 6962 / RFC 9162 §2.1.1);
 *   3. the checkpoint's signature line by a published key (c2sp.org/signed-note: key ID = SHA-256(name || 0x0A ||
 *      0x01 || key)[:4]) verifies with Ed25519 over the note's text (crypto.subtle.verify); only then are its tree
 *      size and root (c2sp.org/tlog-checkpoint) used;
 *   4. the tiles the proof needs are fetched (full tiles are immutable, so the browser's HTTP cache and any CDN keep
 *      them); the level-0 tile holds the recomputed leaf hash at the entry's seq;
 *   5. the audit path PATH(seq, D[size]) (RFC 9162 §2.1.3.1) is computed from the tiles, and the root from the leaf
 *      and that path (§2.1.3.2), node = SHA-256(0x01 || left || right), equals the signed root.
 * The seq comes from the page; a page rendered before the sequencer reached the entry names none, and then the seq
 * (only the seq) is taken from /portal/items/<pk>/proof.json: a wrong seq fails step 4.
 * No inline script (strict CSP, docs/adr/0007): this file is loaded with `defer` and finds its element by id.
 */
(function () {
  "use strict";

  var EM_DASH = "\u2014";
  var ED25519 = 0x01;
  var PUBLISHED_KIND = "publicity.published";
  var enc = new TextEncoder();

  function Failure(message) { this.message = message; }

  function b64decode(text) {
    var bin;
    try { bin = atob(text); } catch (e) { throw new Failure("数据不是有效的 Base64 编码：" + text.slice(0, 60)); }
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }

  function b64encode(bytes) {
    var bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin);
  }

  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function concat() {
    var total = 0, i;
    for (i = 0; i < arguments.length; i++) { total += arguments[i].length; }
    var out = new Uint8Array(total), at = 0;
    for (i = 0; i < arguments.length; i++) { out.set(arguments[i], at); at += arguments[i].length; }
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) { return false; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false; } }
    return true;
  }

  function sha256(bytes) {
    return crypto.subtle.digest("SHA-256", bytes).then(function (d) { return new Uint8Array(d); });
  }

  function nodeHash(left, right) { return sha256(concat(new Uint8Array([1]), left, right)); }

  /* canonical_json of zhifa/ledger/canonical.py for an object of strings: keys sorted, no spaces, UTF-8. */
  function canonical(obj) {
    return "{" + Object.keys(obj).sort().map(function (k) {
      if (typeof obj[k] !== "string") { throw new Failure("发布记录的字段“" + k + "”格式不对。"); }
      return JSON.stringify(k) + ":" + JSON.stringify(obj[k]);
    }).join(",") + "}";
  }

  function leafInput(entry) {
    return canonical({actor: entry.actor, at: entry.at, kind: entry.kind, payload_sha256: entry.payload_sha256,
                      subject: entry.subject});
  }

  /* RFC 9162 §2.1.3.2: the root from a leaf hash, its index, the tree size and the audit path. */
  function rootFromPath(index, size, leaf, path) {
    if (!(index >= 0 && index < size)) { return Promise.reject(new Failure("日志序号 " + index + " 不在树大小 " + size + " 之内。")); }
    var fn = index, sn = size - 1, r = Promise.resolve(leaf);
    path.forEach(function (p) {
      r = r.then(function (acc) {
        if (sn === 0) { throw new Failure("审计路径的节点多于树的高度。"); }
        var step;
        if ((fn & 1) === 1 || fn === sn) {
          step = nodeHash(p, acc);
          if ((fn & 1) === 0) { while ((fn & 1) === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } }
        } else {
          step = nodeHash(acc, p);
        }
        fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
        return step;
      });
    });
    return r.then(function (acc) {
      if (sn !== 0) { throw new Failure("审计路径的节点少于树的高度。"); }
      return acc;
    });
  }

  /* A published verifier key: <name>+<hex key id>+<base64(0x01 || Ed25519 public key)>. */
  /* A verifier key is name+hexid+base64 (C2SP signed-note): the base64 part may itself hold "+", so split at the
     first two only (a split on every "+" refused about one key in two). */
  function parseKey(text) {
    var t = text.trim(), first = t.indexOf("+"), second = first < 0 ? -1 : t.indexOf("+", first + 1);
    if (first <= 0 || second < 0 || !/^[0-9a-f]{8}$/.test(t.slice(first + 1, second))) {
      throw new Failure("页面上的验证公钥格式不对。");
    }
    var raw = b64decode(t.slice(second + 1));
    return {text: t, name: t.slice(0, first), id: t.slice(first + 1, second), alg: raw[0], pub: raw.slice(1)};
  }

  function keyIdOf(key) {
    return sha256(concat(enc.encode(key.name + "\n"), new Uint8Array([key.alg]), key.pub))
      .then(function (d) { return hex(d.slice(0, 4)); });
  }

  /* The note's text (up to and including the newline before the blank line) and its signature lines. */
  function splitNote(note) {
    var split = note.lastIndexOf("\n\n");
    if (split < 0) { throw new Failure("检查点不是签名文本（没有签名部分）。"); }
    var text = note.slice(0, split + 1);
    var sigs = note.slice(split + 2).split("\n").filter(function (l) { return l.length > 0; }).map(function (line) {
      if (line.indexOf(EM_DASH + " ") !== 0) { throw new Failure("检查点的签名行格式不对。"); }
      var rest = line.slice(2), at = rest.lastIndexOf(" ");
      return {name: rest.slice(0, at), raw: b64decode(rest.slice(at + 1))};
    });
    return {text: text, sigs: sigs};
  }

  function verifySignature(note, keys) {
    var parsed = splitNote(note);
    return Promise.all(keys.map(function (k) { return keyIdOf(k).then(function (id) { k.computedId = id; return k; }); }))
      .then(function (keys) {
        var usable = keys.filter(function (k) { return k.computedId === k.id; });
        if (!usable.length) { throw new Failure("页面上的验证公钥与其密钥标识不符。"); }
        var match = null;
        parsed.sigs.forEach(function (s) {
          usable.forEach(function (k) {
            if (!match && s.name === k.name && s.raw.length > 4 && hex(s.raw.slice(0, 4)) === k.id) { match = {sig: s, key: k}; }
          });
        });
        if (!match) { throw new Failure("检查点上没有公开验证公钥的签名。"); }
        if (match.key.alg !== ED25519) {
          throw new Failure("该检查点由 SM2 密钥签名，浏览器不支持 SM2 核验；请用离线核验工具 python -m zhifa.verify。");
        }
        return crypto.subtle.importKey("raw", match.key.pub, {name: "Ed25519"}, false, ["verify"])
          .then(function (cryptoKey) {
            return crypto.subtle.verify({name: "Ed25519"}, cryptoKey, match.sig.raw.slice(4), enc.encode(parsed.text));
          }, function () { throw new Failure("浏览器不支持 Ed25519 核验（需要较新版本的浏览器）。"); })
          .then(function (ok) {
            if (!ok) { throw new Failure("检查点签名无效：签名与检查点内容不符，检查点可能被篡改。"); }
            return {text: parsed.text, key: match.key};
          });
      });
  }

  function parseCheckpoint(text) {
    var lines = text.split("\n");
    if (lines.length < 4 || lines[lines.length - 1] !== "") { throw new Failure("检查点内容格式不对。"); }
    if (!/^(0|[1-9][0-9]*)$/.test(lines[1])) { throw new Failure("检查点的树大小格式不对。"); }
    return {origin: lines[0], size: parseInt(lines[1], 10), root: b64decode(lines[2])};
  }

  /* --- C2SP tlog-tiles (zhifa/ledger/tlogtiles.py): tile level L holds tree level 8·L, 256 hashes a tile. ---------
     Plain arithmetic, not bit operators: those work on 32 bits, and a log's sizes and indexes may pass 2^31. */
  var TILE_HEIGHT = 8, TILE_WIDTH = 256, HASH_SIZE = 32;

  function pow2(k) { return Math.pow(2, k); }

  /* Tile index as 3-digit path elements, all but the last prefixed by "x": 1234067 -> x001/x234/067. */
  function indexPath(n) {
    var parts = [("00" + (n % 1000)).slice(-3)];
    n = Math.floor(n / 1000);
    while (n > 0) { parts.unshift("x" + ("00" + (n % 1000)).slice(-3)); n = Math.floor(n / 1000); }
    return parts.join("/");
  }

  /* The width of tile (level, index) in a tree of `size` leaves: 256 when full, 1–255 when partial, 0 when absent. */
  function tileWidth(level, index, size) {
    var hashes = Math.floor(size / pow2(TILE_HEIGHT * level));
    return Math.max(0, Math.min(TILE_WIDTH, hashes - index * TILE_WIDTH));
  }

  /* merkle.perfect_subtrees: [start, end) as aligned perfect subtrees, left to right, as [level, index]. */
  function perfectSubtrees(start, end) {
    var out = [];
    while (start < end) {
      var level = 0;
      while (pow2(level + 1) <= end - start) { level++; }
      while (start % pow2(level) !== 0) { level--; }
      out.push([level, start / pow2(level)]);
      start += pow2(level);
    }
    return out;
  }

  /* merkle.inclusion_path: the ranges [start, end) whose hashes form PATH(index, D[size]), bottom-up. */
  function pathRanges(index, size) {
    var ranges = [], start = 0, end = size, m = index;
    while (end - start > 1) {
      var k = 1;
      while (k * 2 < end - start) { k *= 2; }
      if (m < k) { ranges.push([start + k, end]); end = start + k; } else { ranges.push([start, start + k]); start += k; m -= k; }
    }
    return ranges.reverse();
  }

  /* The tile holding node (level, index), and where in it the node's 2^(level mod 8) hashes start. */
  function nodePlace(level, index) {
    var tileLevel = Math.floor(level / TILE_HEIGHT), k = level % TILE_HEIGHT, first = index * pow2(k);
    return {level: tileLevel, index: Math.floor(first / TILE_WIDTH), offset: first % TILE_WIDTH, count: pow2(k)};
  }

  function tileName(level, index, width) {
    return "tile/" + level + "/" + indexPath(index) + (width === TILE_WIDTH ? "" : ".p/" + width);
  }

  /* Fetches the tiles of a tree of `size` leaves under `base` (the log's prefix, ".../ledger/"), each once. A full
     tile is immutable: the default cache mode lets the browser's HTTP cache answer. A partial tile that is gone
     falls back to the full one, whose first W hashes are the same (the spec allows a log to drop it). */
  function TileSource(base, size) {
    var tiles = {};
    this.fetched = [];
    var fetched = this.fetched;

    function get(name, width) {
      fetched.push(name);
      return fetch(base + name, {credentials: "omit"}).then(function (response) {
        if (!response.ok) { return {status: response.status}; }
        return response.arrayBuffer().then(function (buf) { return {data: new Uint8Array(buf)}; });
      }).then(function (got) {
        if (got.data && got.data.length < width * HASH_SIZE) { throw new Failure("日志分片 " + name + " 的长度不对。"); }
        return got;
      });
    }

    this.tile = function (level, index) {
      var key = level + "/" + index;
      if (!tiles[key]) {
        var width = tileWidth(level, index, size);
        if (!width) { return Promise.reject(new Failure("树大小为 " + size + " 的日志没有分片 " + key + "。")); }
        var name = tileName(level, index, width);
        tiles[key] = get(name, width).then(function (got) {
          if (!got.data && got.status === 404 && width < TILE_WIDTH) { return get(tileName(level, index, TILE_WIDTH), width); }
          return got;
        }).then(function (got) {
          if (!got.data) { throw new Failure("未能取得日志分片 " + name + "（HTTP " + got.status + "）。"); }
          if (got.data.length !== width * HASH_SIZE && got.data.length !== TILE_WIDTH * HASH_SIZE) {
            throw new Failure("日志分片 " + name + " 的长度不对。");
          }
          return got.data.slice(0, width * HASH_SIZE);
        });
      }
      return tiles[key];
    };
  }

  /* The hash of node (level, index): the root of its 2^(level mod 8) hashes in one tile. */
  function nodeFromTiles(source, level, index) {
    var at = nodePlace(level, index);
    return source.tile(at.level, at.index).then(function (data) {
      if ((at.offset + at.count) * HASH_SIZE > data.length) {
        throw new Failure("日志分片中缺少第 " + level + " 层第 " + index + " 号节点。");
      }
      var hashes = [];
      for (var i = 0; i < at.count; i++) {
        hashes.push(data.slice((at.offset + i) * HASH_SIZE, (at.offset + i + 1) * HASH_SIZE));
      }
      return pairUp(hashes);
    });
  }

  function pairUp(hashes) {
    if (hashes.length === 1) { return Promise.resolve(hashes[0]); }
    var next = [];
    for (var i = 0; i < hashes.length; i += 2) { next.push(nodeHash(hashes[i], hashes[i + 1])); }
    return Promise.all(next).then(pairUp);
  }

  /* merkle.fold: the perfect subtrees' hashes of a range, left to right, into the range's hash. */
  function fold(hashes) {
    var acc = Promise.resolve(hashes[hashes.length - 1]);
    for (var i = hashes.length - 2; i >= 0; i--) {
      (function (h) { acc = acc.then(function (a) { return nodeHash(h, a); }); }(hashes[i]));
    }
    return acc;
  }

  function subtreeHash(source, start, end) {
    return Promise.all(perfectSubtrees(start, end).map(function (n) { return nodeFromTiles(source, n[0], n[1]); }))
      .then(fold);
  }

  /* The leaf hash the level-0 tile holds at `index`, and the audit path of that leaf in the tree of `size`. */
  function proofFromTiles(source, index, size) {
    return Promise.all([nodeFromTiles(source, 0, index)].concat(pathRanges(index, size).map(function (r) {
      return subtreeHash(source, r[0], r[1]);
    }))).then(function (hashes) { return {leaf: hashes[0], path: hashes.slice(1)}; });
  }

  function parseSeq(text) {
    return /^(0|[1-9][0-9]*)$/.test(text || "") ? parseInt(text, 10) : null;
  }

  /* The entry's seq: named by the page, or — a page rendered before the sequencer reached the entry — by proof.json.
     Nothing else from proof.json is used: a wrong seq fails the check of the leaf in its tile. */
  function entrySeq(box) {
    var seq = parseSeq(box.getAttribute("data-seq"));
    if (seq !== null) { return Promise.resolve(seq); }
    return fetch(box.getAttribute("data-proof-url"), {credentials: "omit", cache: "no-store"}).then(function (response) {
      if (response.status === 404) {
        throw new Failure("发布记录尚未包含在签名检查点中，等待下一个签名检查点后可核验。");
      }
      if (!response.ok) { throw new Failure("未能取得发布记录的日志序号（HTTP " + response.status + "）。"); }
      return response.json().then(function (data) {
        var got = parseSeq(String(data && data.seq));
        if (got === null) { throw new Failure("服务器给出的日志序号格式不对。"); }
        return got;
      });
    });
  }

  function run(box) {
    var result = document.getElementById("verify-result");
    var steps = document.getElementById("verify-steps");
    var button = document.getElementById("verify-button");
    var detail = document.getElementById("verify-detail");
    var publication = box.getAttribute("data-publication");
    var checkpointUrl = box.getAttribute("data-checkpoint-url");
    var base = checkpointUrl.slice(0, checkpointUrl.length - "checkpoint".length);  // the log's prefix, ".../ledger/"
    steps.textContent = "";
    result.textContent = "正在核验……";
    result.className = "";
    button.disabled = true;
    if (detail) { detail.hidden = true; }

    function step(text) {
      var li = document.createElement("li");
      li.className = "pass";
      li.textContent = text;
      steps.appendChild(li);
    }

    var entry = {kind: box.getAttribute("data-kind"), subject: box.getAttribute("data-subject"),
                 actor: box.getAttribute("data-actor"), at: box.getAttribute("data-at"),
                 payload_sha256: box.getAttribute("data-payload-sha256")};
    var keys, seq, leaf, note, cp, source, path;
    Promise.resolve().then(function () {
      keys = Array.prototype.map.call(box.querySelectorAll("code.verifier-key"), function (el) {
        return parseKey(el.textContent);
      });
      if (!keys.length) { throw new Failure("页面上没有验证公钥。"); }
      if (!(window.crypto && crypto.subtle)) { throw new Failure("浏览器不支持 WebCrypto，无法在本机核验。"); }
      if (entry.subject !== "publicity.publication:" + publication || entry.kind !== PUBLISHED_KIND) {
        throw new Failure("证明中的日志记录不是本公示信息的发布记录。");
      }
      if (entry.actor !== "system") {
        // The header of an entry logged before issue 18 names the approver's login: never served to the public.
        throw new Failure("该发布记录早于在线核验功能，不能在浏览器中核验。");
      }
      return entrySeq(box);
    }).then(function (got) {
      seq = got;
      return sha256(concat(new Uint8Array([0]), enc.encode(leafInput(entry))));
    }).then(function (computed) {
      leaf = computed;
      step("发布记录（日志第 " + seq + " 号条目，发布于 " + new Date(entry.at).toLocaleString("zh-CN", {timeZone: "Asia/Shanghai"}) + "）的叶哈希已在本机用 SHA-256 算出：" + b64encode(leaf));
      // The checkpoint changes with every signing: asked of the server (or CDN) each time, never the browser cache.
      return fetch(checkpointUrl, {credentials: "omit", cache: "no-cache"});
    }).then(function (response) {
      if (!response.ok) { throw new Failure("未能取得签名检查点（HTTP " + response.status + "）。"); }
      return response.text();
    }).then(function (text) {
      note = text;
      // The signature first: nothing the checkpoint says (its size, its root) is used before it verifies.
      return verifySignature(note, keys);
    }).then(function (signed) {
      cp = parseCheckpoint(signed.text);
      cp.key = signed.key;
      step("检查点的 Ed25519 签名已用公开的验证公钥核对有效（第 " + cp.size + " 号检查点）。");
      if (seq >= cp.size) {
        throw new Failure("发布记录（日志第 " + seq + " 号条目）尚未包含在最新签名检查点（树大小 " + cp.size +
                          "）中，等待下一个签名检查点后可核验。");
      }
      source = new TileSource(base, cp.size);
      return proofFromTiles(source, seq, cp.size);
    }).then(function (fromTiles) {
      if (!equal(leaf, fromTiles.leaf)) {
        throw new Failure("叶哈希不符：由发布记录算出的叶哈希与日志分片中第 " + seq + " 号叶哈希 " + b64encode(fromTiles.leaf) +
                          " 不同，发布记录可能被篡改。");
      }
      path = fromTiles.path;
      return rootFromPath(seq, cp.size, leaf, path);
    }).then(function (root) {
      if (!equal(root, cp.root)) {
        throw new Failure("根哈希不符：由日志分片算出的根哈希 " + b64encode(root) + " 与签名检查点的根哈希 " +
                          b64encode(cp.root) + " 不同，日志分片或检查点可能被篡改。");
      }
      step("由 " + source.fetched.length + " 个日志分片在本机算出审计路径（" + path.length + " 个节点），由此算出的根哈希与第 " +
           cp.size + " 号检查点的根哈希一致。");
      if (detail) {
        var list = document.getElementById("verify-path");
        list.textContent = "";
        path.forEach(function (h) {
          var li = document.createElement("li"), code = document.createElement("code");
          code.textContent = b64encode(h);
          li.appendChild(code);
          list.appendChild(li);
        });
        document.getElementById("verify-path-length").textContent = String(path.length);
        document.getElementById("verify-checkpoint").textContent = note;
        detail.hidden = false;
      }
      var key = cp.key;
      result.className = "ok";
      // Say exactly what held: the publication *event* is in the signed log. The entry's payload (and with it the
      // digest of the published text) is not served, so nothing here compares the text on this page.
      result.textContent = "核验通过：" + (box.getAttribute("data-noun") || "本公示信息") + "的发布记录（日志第 " + seq +
        " 号条目）包含在第 " + cp.size + " 号检查点中，检查点签名有效，签名密钥为 " + key.name + "+" + key.id +
        "（Ed25519，请与日志公布的验证公钥比对）。本核验证明发布事件已记入防篡改日志且未被改写，不核对本页正文；" +
        (box.getAttribute("data-authority") || "正文以公示机关的原始记录为准。");
    }).catch(function (err) {
      var li = document.createElement("li");
      li.className = "fail";
      li.textContent = err instanceof Failure ? err.message : "核验中出错：" + String(err && err.message || err);
      steps.appendChild(li);
      result.className = "error";
      result.textContent = "核验未通过：" + li.textContent;
    }).then(function () { button.disabled = false; });
  }

  function init() {
    var box = document.getElementById("verify");
    var button = document.getElementById("verify-button");
    if (box && button) { button.addEventListener("click", function () { run(box); }); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
