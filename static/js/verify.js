/* The portal's "核验" button (issue 18 §5): checks a published decision's inclusion proof in the browser.
 *
 * Trusted: only the verifier keys embedded in the page (the log's published keys, listed at /ledger/verifier-keys
 * for comparison). Everything else comes from the server's proof JSON and is recomputed here with WebCrypto:
 *   1. the log entry is the publication of this item (its subject) and of the kind "publicity.published";
 *   2. its leaf hash: SHA-256(0x00 || canonical JSON of the entry header), as zhifa/ledger/canonical.py and
 *      merkle.leaf_hash compute it (RFC 6962 / RFC 9162 §2.1.1);
 *   3. the root, from the leaf and the audit path (RFC 9162 §2.1.3.2), node = SHA-256(0x01 || left || right);
 *   4. the checkpoint's text (c2sp.org/tlog-checkpoint) names the same tree size and root;
 *   5. the checkpoint's signature line by a published key (c2sp.org/signed-note: key ID = SHA-256(name || 0x0A ||
 *      0x01 || key)[:4]) verifies with Ed25519 over the note's text (crypto.subtle.verify).
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

  function run(box) {
    var result = document.getElementById("verify-result");
    var steps = document.getElementById("verify-steps");
    var button = document.getElementById("verify-button");
    var publication = box.getAttribute("data-publication");
    steps.textContent = "";
    result.textContent = "正在核验……";
    result.className = "";
    button.disabled = true;

    function step(text) {
      var li = document.createElement("li");
      li.className = "pass";
      li.textContent = text;
      steps.appendChild(li);
    }

    var keys, proof, leaf, root;
    Promise.resolve().then(function () {
      keys = Array.prototype.map.call(box.querySelectorAll("code.verifier-key"), function (el) {
        return parseKey(el.textContent);
      });
      if (!keys.length) { throw new Failure("页面上没有验证公钥。"); }
      if (!(window.crypto && crypto.subtle)) { throw new Failure("浏览器不支持 WebCrypto，无法在本机核验。"); }
      return fetch(box.getAttribute("data-proof-url"), {credentials: "omit", cache: "no-store"});
    }).then(function (response) {
      if (!response.ok) { throw new Failure("未能取得包含证明（HTTP " + response.status + "）。"); }
      return response.json();
    }).then(function (data) {
      proof = data;
      var entry = proof.entry || {};
      if (entry.subject !== "publicity.publication:" + publication || entry.kind !== PUBLISHED_KIND) {
        throw new Failure("证明中的日志记录不是本公示信息的发布记录。");
      }
      return sha256(concat(new Uint8Array([0]), enc.encode(leafInput(entry))));
    }).then(function (computed) {
      leaf = computed;
      if (!equal(leaf, b64decode(proof.leaf_hash))) {
        throw new Failure("叶哈希不符：由发布记录算出的叶哈希与证明给出的不同，发布记录可能被篡改。");
      }
      step("发布记录（日志第 " + proof.seq + " 号条目，发布于 " + new Date(proof.entry.at).toLocaleString("zh-CN", {timeZone: "Asia/Shanghai"}) + "）的叶哈希已在本机用 SHA-256 算出：" + b64encode(leaf));
      return rootFromPath(proof.seq, proof.tree_size, leaf, proof.path.map(b64decode));
    }).then(function (computed) {
      root = computed;
      var cp = parseCheckpoint(splitNote(proof.checkpoint).text);
      if (cp.size !== proof.tree_size) { throw new Failure("检查点的树大小（" + cp.size + "）与证明（" + proof.tree_size + "）不符。"); }
      if (!equal(root, cp.root)) {
        throw new Failure("根哈希不符：由审计路径算出的根哈希 " + b64encode(root) + " 与签名检查点的根哈希 " +
                          b64encode(cp.root) + " 不同，证明可能被篡改。");
      }
      step("由审计路径（" + proof.path.length + " 个节点）算出的根哈希与第 " + cp.size + " 号检查点的根哈希一致。");
      return verifySignature(proof.checkpoint, keys).then(function (signed) { return {cp: cp, signed: signed}; });
    }).then(function (done) {
      var key = done.signed.key;
      step("检查点的 Ed25519 签名已用公开的验证公钥核对有效。");
      result.className = "ok";
      // Say exactly what held: the publication *event* is in the signed log. The entry's payload (and with it the
      // digest of the published text) is not served, so nothing here compares the text on this page.
      result.textContent = "核验通过：" + (box.getAttribute("data-noun") || "本公示信息") + "的发布记录（日志第 " + proof.seq +
        " 号条目）包含在第 " + done.cp.size + " 号检查点中，检查点签名有效，签名密钥为 " + key.name + "+" + key.id +
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
