/* Recording upload page: resumable upload through tus (/api/tus/) with progress, pause/resume, automatic retry
   after a lost connection, and the server's media check shown at the end (issue 18 §4).

   No inline script (CSP, ADR 0007): the form carries what this needs in data- attributes. Without JavaScript,
   or in a browser tus-js-client does not support, the form posts to the page upload as before. */
(function () {
  "use strict";

  var form = document.getElementById("upload-form");
  if (!form || !window.tus || !window.tus.isSupported) return;

  var panel = document.getElementById("upload-progress");
  var bar = document.getElementById("upload-bar");
  var percentOut = document.getElementById("upload-percent");
  var speedOut = document.getElementById("upload-speed");
  var status = document.getElementById("upload-status");
  var pauseButton = document.getElementById("upload-pause");
  var resumeButton = document.getElementById("upload-resume");
  var submitButton = document.getElementById("upload-submit");
  var fileInput = form.querySelector("input[type=file]");
  var loadedAt = Date.now();
  var RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000];

  var upload = null;
  var startedWith = "";    // the metadata the current upload was created with (canonical JSON)
  var paused = false;      // stopped: by the officer, or by a lost connection
  var heldByUser = false;  // stopped by the officer: a returning connection does not restart it
  var finished = false;
  var samples = [];  // [time ms, bytes] over the last few seconds, for MB/s

  function show(element, visible) { element.hidden = !visible; }

  function say(text, kind) {
    status.textContent = text;
    status.className = "upload-status" + (kind ? " " + kind : "");
  }

  function field(name) {
    var element = form.elements[name];
    if (!element) return "";
    if (element.type === "checkbox") return element.checked ? "1" : "";
    return element.value || "";
  }

  function metadata(file) {
    var device = form.elements.device;
    var option = device && device.selectedOptions[0];
    var meta = {
      "case": form.dataset.case,
      device: option ? (option.dataset.serial || "") : "",
      officer: field("officer"),
      activity: field("activity"),
      document: field("document"),
      started_at: field("started_at"),
      ended_at: field("ended_at"),
      place: field("place"),
      device_checked: field("device_checked"),
      opening_statement: field("opening_statement"),
      remote: field("remote"),
      remote_reason: field("remote_reason"),
      returned_at: field("returned_at"),
      filename: file.name,
      filetype: file.type || ""
    };
    Object.keys(meta).forEach(function (key) { if (meta[key] === "") delete meta[key]; });
    return meta;
  }

  // An upload is created with its metadata (officer, times, linked document …) and the server keeps that, whatever
  // the form says later. So the same file for the same case resumes the same upload, also after the page was
  // reloaded, only while the form is unchanged: the fingerprint carries a hash of the metadata, and a changed form
  // starts a new upload (review finding 12: a correction made during a pause was silently lost).
  function filePrefix(file) {
    return ["zhifa-recording", form.dataset.case, form.dataset.user, file.name, file.size, file.lastModified].join("-");
  }

  function canonical(meta) {
    return JSON.stringify(Object.keys(meta || {}).sort().map(function (key) { return [key, meta[key]]; }));
  }

  function hex(bytes) {
    return Array.prototype.map.call(new Uint8Array(bytes), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // SHA-256 where WebCrypto is available (HTTPS, localhost); elsewhere FNV-1a over the UTF-16 code units, twice
  // with different offsets (64 bits): this only tells one form's contents from another's, it protects nothing.
  function metaHash(meta) {
    var text = canonical(meta);
    if (window.crypto && crypto.subtle && window.TextEncoder) {
      return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))
        .then(function (digest) { return hex(digest).slice(0, 32); });
    }
    var a = 0x811c9dc5, b = 0x01000193 ^ 0x5bd1e995;
    for (var i = 0; i < text.length; i++) {
      a = Math.imul(a ^ text.charCodeAt(i), 0x01000193) >>> 0;
      b = Math.imul(b ^ text.charCodeAt(i), 0x01000193) >>> 0;
    }
    return Promise.resolve("f" + ("0000000" + a.toString(16)).slice(-8) + ("0000000" + b.toString(16)).slice(-8));
  }

  function fingerprint(file, options) {
    return metaHash(options && options.metadata).then(function (h) { return filePrefix(file) + "-m" + h; });
  }

  // Uploads kept in this browser for the same file and case but created with other metadata: a form changed since.
  // (tus-js-client keeps each under the key "tus::<fingerprint>::<id>".)
  function staleUploads(file, keep) {
    var storage = window.tus.defaultOptions && window.tus.defaultOptions.urlStorage;
    if (!storage || !storage.findAllUploads) return Promise.resolve([]);
    var prefix = "tus::" + filePrefix(file) + "-m";
    var kept = "tus::" + keep + "::";
    return storage.findAllUploads().then(function (all) {
      return all.filter(function (u) {
        var key = u.urlStorageKey || "";
        return key.indexOf(prefix) === 0 && key.indexOf(kept) !== 0;
      });
    }).catch(function () { return []; });
  }

  // Forget an upload made with the old metadata: ended on the server (tus termination, so it no longer counts
  // against the officer's quota) and removed from this browser, whether or not the server answers.
  function forget(previous) {
    var storage = window.tus.defaultOptions.urlStorage;
    var ended = previous.uploadUrl
      ? window.tus.Upload.terminate(previous.uploadUrl, {headers: {"X-CSRFToken": form.dataset.csrf}, retryDelays: [0]})
          .catch(function () { /* expired or gone already; the server also expires it */ })
      : Promise.resolve();
    return ended.then(function () { return storage.removeUpload(previous.urlStorageKey); })
      .catch(function () { /* nothing stored any more */ });
  }

  var CHANGED = "表单已更改，将重新上传。";

  function megabytes(bytes) { return (bytes / 1048576).toFixed(1); }

  function progress(sent, total) {
    var percent = total ? Math.floor(sent * 100 / total) : 0;
    bar.value = percent;
    bar.textContent = percent + "%";
    percentOut.textContent = percent + "%（" + megabytes(sent) + " / " + megabytes(total) + " MB）";
    var now = Date.now();
    samples.push([now, sent]);
    while (samples.length > 2 && now - samples[0][0] > 5000) samples.shift();
    var first = samples[0];
    var seconds = (now - first[0]) / 1000;
    if (seconds > 0.2 && sent >= first[1]) speedOut.textContent = megabytes((sent - first[1]) / seconds) + " MB/s";
  }

  function duration(seconds) {
    var s = Math.round(seconds);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), rest = s % 60;
    return (h ? h + " 小时 " : "") + (h || m ? m + " 分 " : "") + rest + " 秒";
  }

  function serverMessage(error) {
    var response = error && error.originalResponse;
    if (!response) return "";
    try {
      var body = JSON.parse(response.getBody() || "{}");
      return body.message || "";
    } catch (e) {
      return "";
    }
  }

  // The fields of the clip just stored back to empty (the CSRF token and other hidden inputs stay; so do the device
  // and the officer, most often the same for the next clip): not form.reset(), which would restore the values the
  // page opened with (a to-do link's document and times, the clip already uploaded).
  function clearForm() {
    Array.prototype.forEach.call(form.elements, function (el) {
      // Inputs, selects and text areas only: the progress <output>s are form elements too, and show the result.
      if (["INPUT", "SELECT", "TEXTAREA"].indexOf(el.tagName) < 0 || el.type === "hidden") return;
      if (el.type === "checkbox" || el.type === "radio") el.checked = false;
      else if (el.tagName === "SELECT") el.selectedIndex = el.id === "dv" || el.id === "of" ? el.selectedIndex : 0;
      else el.value = "";
      el.setCustomValidity && el.setCustomValidity("");
    });
  }

  function setRunning(running) {
    show(pauseButton, running);
    show(resumeButton, !running && !finished);
    submitButton.disabled = running || finished;
  }

  // The page's list of recordings (and the interruption form's choice of them) as the server now has it: parsed,
  // never executed, and put in place of the stale parts.
  function refreshList() {
    return fetch(window.location.pathname, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ["recordings-list", "interruptions"].forEach(function (id) {
          var now = document.getElementById(id), next = fresh.getElementById(id);
          if (now && next) now.replaceWith(document.importNode(next, true));
        });
      })
      .catch(function () { /* the list stays as it was; a reload shows it */ });
  }

  function showCheck(lastResponse) {
    var id = lastResponse && lastResponse.getHeader("Zhifa-Recording");
    var sha = lastResponse && lastResponse.getHeader("Zhifa-Sha256");
    var done = function (text, kind) {
      refreshList().then(function () { say(text, kind || "ok"); });
    };
    if (!id) { done("校验通过，已上传音像记录。"); return; }
    fetch(form.dataset.recordings, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) {
        var row = rows.filter(function (r) { return String(r.id) === String(id); })[0];
        var parts = ["校验通过"];
        if (row && row.duration_seconds) parts.push("时长 " + duration(row.duration_seconds));
        else parts.push("可识别的图片或音视频文件（无时长）");
        var digest = sha || (row && row.sha256) || "";
        parts.push("SHA-256 " + digest.slice(0, 16) + "…");
        var text = parts.join("：").replace("：SHA", "，SHA") + "。已上传音像记录。";
        // The same bytes uploaded before to this case: stored all the same (a re-upload may be deliberate), and said.
        var same = rows.filter(function (r) { return digest && r.sha256 === digest && String(r.id) !== String(id); });
        if (same.length) {
          text += "该文件与已上传的音像记录 " + same.map(function (r) { return "#" + r.id; }).join("、") +
                  " 相同（SHA-256 一致），请核对是否重复上传。";
        }
        done(text, same.length ? "warn" : "ok");
      })
      .catch(function () { done("校验通过，已上传音像记录。"); });
  }

  function start(file) {
    finished = false;
    paused = false;
    heldByUser = false;
    samples = [];
    startedWith = canonical(metadata(file));
    upload = new window.tus.Upload(file, {
      endpoint: form.dataset.tusEndpoint,
      chunkSize: Number(form.dataset.chunkSize) || 4 * 1048576,
      retryDelays: RETRY_DELAYS,
      headers: {"X-CSRFToken": form.dataset.csrf},
      metadata: metadata(file),
      fingerprint: fingerprint,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress: progress,
      onShouldRetry: function (error) {
        var code = error.originalResponse ? error.originalResponse.getStatus() : 0;
        if (code >= 400 && code < 500 && code !== 409 && code !== 423) return false;
        if (!navigator.onLine) return false;  // waits for the "online" event instead
        say("网络中断，正在重试并从中断处继续……", "warn");
        return true;
      },
      onSuccess: function (payload) {
        finished = true;
        upload = null;
        setRunning(false);
        progress(file.size, file.size);
        // Stored: the form starts empty for the next clip (tryout of issue 19: it kept every field, inviting the
        // same clip twice), as the page does after an upload without JavaScript; the same file is not sent twice.
        clearForm();
        say("已收到全部数据，正在校验格式和时长……");
        showCheck(payload && payload.lastResponse);
      },
      onError: function (error) {
        var message = serverMessage(error);
        if (message) {
          // Refused by the server (a field, the quota, or the media check): nothing to resume.
          upload = null;
          setRunning(false);
          show(resumeButton, false);
          say("未能上传：" + message + "（已填写的内容均保留，修改后可再次上传。）", "bad");
          submitButton.disabled = false;
          return;
        }
        paused = true;
        setRunning(false);
        say(navigator.onLine ? "网络中断，上传已暂停。点“继续上传”将从中断处继续。"
                             : "网络已断开，上传已暂停；恢复网络后将自动从中断处继续。", "warn");
      }
    });
    show(panel, true);
    setRunning(true);
    say("正在上传……");
    var current = upload;
    var fp;
    fingerprint(file, {metadata: current.options.metadata}).then(function (value) {
      fp = value;
      return current.findPreviousUploads();
    }).then(function (previous) {
      if (previous.length) {
        current.resumeFromPreviousUpload(previous[0]);
        say("找到此前未完成的同一文件上传，从中断处继续……");
        return null;
      }
      return staleUploads(file, fp).then(function (stale) {
        if (!stale.length) return null;
        say(CHANGED + "此前以原表单内容开始的上传已作废，正在上传……", "warn");
        return Promise.all(stale.map(forget));
      });
    }).then(function () {
      if (upload === current) current.start();
    });
  }

  // The officer changed a field while the upload was stopped: the upload on the server carries the old metadata,
  // so it is ended and the file is sent again with the form as it is now.
  // (start() finds the old upload kept in this browser under its old fingerprint, and forgets it.)
  function restart(file) {
    var old = upload;
    upload = null;
    say(CHANGED, "warn");
    old.abort().then(function () { start(file); });
  }

  // The checks the server makes only when the last byte has arrived (services.recording_upload), made before the
  // first byte is sent: a field typed wrong must not cost the officer a whole upload over a slow network.
  function checkFields() {
    var start = form.elements.started_at, end = form.elements.ended_at;
    var reason = form.elements.remote_reason, remote = form.elements.remote;
    [start, end, reason].forEach(function (el) { if (el) el.setCustomValidity(""); });
    var from = Date.parse(start.value), to = Date.parse(end.value);
    // "Now" on the server's clock, in its time zone, as the fields are typed (data-now at page load, plus the time
    // since): the phone's own zone or clock may differ.
    var now = Date.parse(form.dataset.now) + (Date.now() - loadedAt);
    if (!isNaN(from) && !isNaN(to) && (from >= to || (!isNaN(now) && to > now + 10 * 60 * 1000))) {
      end.setCustomValidity("开始时间应早于结束时间，且结束时间不能晚于现在。");
    }
    if (remote && remote.checked && reason && !reason.value.trim()) {
      reason.setCustomValidity("请说明连续执法、异地执法或边远地区执法未能按时上传的原因。");
    }
    return form.reportValidity();
  }

  ["started_at", "ended_at", "remote_reason", "remote"].forEach(function (name) {
    var el = form.elements[name];
    if (el) el.addEventListener("change", function () {
      [form.elements.ended_at, form.elements.remote_reason].forEach(function (f) { if (f) f.setCustomValidity(""); });
    });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!checkFields()) return;
    var file = fileInput.files[0];
    if (!file) return;
    if (upload) upload.abort();
    start(file);
  });

  pauseButton.addEventListener("click", function () {
    if (!upload) return;
    paused = true;
    heldByUser = true;
    upload.abort();
    setRunning(false);
    say("已暂停。点“继续上传”将从中断处继续。");
  });

  resumeButton.addEventListener("click", function () {
    if (!upload) return;
    var file = upload.file;
    if (canonical(metadata(file)) !== startedWith) {
      if (checkFields()) restart(file);
      return;
    }
    paused = false;
    heldByUser = false;
    samples = [];
    setRunning(true);
    say("正在从中断处继续……");
    upload.start();
  });

  window.addEventListener("online", function () {
    if (upload && paused && !heldByUser && !finished) {
      if (canonical(metadata(upload.file)) !== startedWith) {
        // Changed while offline: not the upload the server holds, so it starts again (if the fields are valid).
        if (checkFields()) restart(upload.file);
        return;
      }
      paused = false;
      samples = [];
      setRunning(true);
      say("网络已恢复，正在从中断处继续……");
      upload.start();
    }
  });

  window.addEventListener("offline", function () {
    if (upload && !paused && !finished) say("网络已断开，恢复网络后将自动从中断处继续。", "warn");
  });

  // A file chosen again after a reload: say that the upload will continue where it stopped.
  fileInput.addEventListener("change", function () {
    var file = fileInput.files[0];
    if (!file) return;
    if (finished && !upload) {
      // The last upload is stored; a newly chosen file is the next clip (the button was off so that a second
      // tap did not send the stored one again).
      finished = false;
      submitButton.disabled = false;
    }
    var probe = new window.tus.Upload(file, {endpoint: form.dataset.tusEndpoint, fingerprint: fingerprint,
                                             metadata: metadata(file)});
    probe.findPreviousUploads().then(function (previous) {
      if (previous.length) {
        show(panel, true);
        say("此文件有未完成的上传，点“上传”将从中断处继续。");
        return;
      }
      return fingerprint(file, probe.options).then(function (fp) { return staleUploads(file, fp); })
        .then(function (stale) {
          if (!stale.length) return;
          show(panel, true);
          say("此文件有未完成的上传：表单内容与开始上传时相同，点“上传”将从中断处继续；表单已更改的，将重新上传。");
        });
    });
  });
}());
