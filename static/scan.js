// The in-page camera scanner: a Scan button beside every code field that says data-scan.
// It reads the label's barcode (the browser's BarcodeDetector where it reads Code 128, else
// our own copy of the barcode-detector polyfill and ZXing's WebAssembly), fills the field
// grouped as a person types it, and leaves the pressing of the form's button to the person:
// the server checks the code exactly as a typed one. No inline script (strict CSP).
(function () {
  "use strict";
  var dialog = document.getElementById("scanner");
  var fields = Array.prototype.slice.call(document.querySelectorAll("[data-scan]"));
  if (!dialog || !fields.length || !(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) {
    return; // no camera API (an old browser, a page not served securely): type or send a photo
  }
  var video = dialog.querySelector("video");
  var status = dialog.querySelector(".scanner-status");
  var words = dialog.dataset;
  // Ours are Code 128, QR and Data Matrix; the others are read only to say they are not ours.
  var FORMATS = ["code_128", "qr_code", "data_matrix", "ean_13", "ean_8", "upc_a", "code_39"];
  // The Damm check digit of our codes (devices/codes.py): a misread digit is never filled in.
  var DAMM = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2], [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9], [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8], [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4], [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5], [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
  ];
  var starting = false;
  var detectorPromise = null;
  var stream = null;
  var timer = null;

  function group(code) {
    var digits = code.replace(/^[HC]/, "").replace(/(\d{4})(?=\d)/g, "$1 ");
    return /^[HC]/.test(code) ? code[0] + " " + digits : digits;
  }

  function dammValid(digits) {
    var interim = 0;
    for (var i = 0; i < digits.length; i++) interim = DAMM[interim][+digits[i]];
    return interim === 0;
  }

  function classify(text) {
    var code = String(text || "").trim().toUpperCase();
    if (/^\d{12}$/.test(code) && dammValid(code)) return { kind: "box", code: code };
    if (/^[HC]\d{12}$/.test(code) && dammValid(code.slice(1))) {
      return { kind: code[0] === "H" ? "holder" : "charger", code: code };
    }
    return null;
  }

  function accepts(field, found) {
    var wanted = field.dataset.scan;
    return wanted === "any" || wanted === found.kind || (wanted === "unit" && found.kind !== "box");
  }

  function loadPolyfill() {
    return new Promise(function (resolve, reject) {
      if (window.PortalBarcodeDetector) return resolve(window.PortalBarcodeDetector);
      var script = document.createElement("script");
      script.src = words.polyfill;
      script.onload = function () { resolve(window.PortalBarcodeDetector); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function detector() {
    if (detectorPromise) return detectorPromise;
    var native = "BarcodeDetector" in window
      ? window.BarcodeDetector.getSupportedFormats().catch(function () { return []; })
      : Promise.resolve([]);
    detectorPromise = native.then(function (supported) {
      if (supported.indexOf("code_128") >= 0) {
        return new window.BarcodeDetector({ formats: FORMATS });
      }
      return loadPolyfill().then(function (polyfill) {
        polyfill.prepareZXingModule({
          overrides: {
            locateFile: function (path, prefix) {
              return path.endsWith(".wasm") ? words.wasm : prefix + path;
            },
          },
        });
        return new polyfill.BarcodeDetector({ formats: FORMATS });
      });
    });
    return detectorPromise;
  }

  function say(text) {
    status.textContent = text;
  }

  function stop() {
    clearTimeout(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    if (dialog.open) dialog.close();
  }

  function noCamera(field) {
    stop();
    var note = field.parentNode.querySelector(".scan-note");
    var photo = document.getElementById("id_photo");
    if (note) note.textContent = photo ? words.msgNoCamera : words.msgNoCameraType;
    (photo || field).focus();
  }

  function fill(field, pressed, found) {
    stop();
    field.value = group(found.code);
    field.dispatchEvent(new Event("input", { bubbles: true }));
    var note = field.parentNode.querySelector(".scan-note");
    if (note) note.textContent = field === pressed ? words.msgRead : words.msgMoved;
    field.focus();
  }

  function look(pressed) {
    detector().then(function (reader) {
      if (!stream) return;
      return reader.detect(video).then(function (barcodes) {
        for (var i = 0; i < barcodes.length; i++) {
          var found = classify(barcodes[i].rawValue);
          if (!found) {
            say(words.msgNotOurs);
            continue;
          }
          // The pressed field if it takes this kind of code, else the field on the page that does.
          var target = accepts(pressed, found) ? pressed : fields.filter(function (field) {
            return field.form === pressed.form && accepts(field, found);
          })[0];
          if (target) return fill(target, pressed, found);
          say(found.kind === "box" ? words.msgBoxHere : words.msgUnitHere);
        }
      });
    }).catch(function () { /* a frame that could not be read: try the next one */ })
      .then(function () {
        if (stream) timer = setTimeout(function () { look(pressed); }, 200);
      });
  }

  function start(pressed) {
    if (starting || stream) return; // a second click while the camera opens: one stream only
    starting = true;
    say("");
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (media) {
        starting = false;
        stream = media;
        video.srcObject = media;
        dialog.showModal();
        return video.play().then(function () { look(pressed); });
      })
      .catch(function () {
        starting = false;
        noCamera(pressed);
      });
  }

  dialog.querySelector("[data-scanner-close]").addEventListener("click", function () {
    stop();
  });
  dialog.addEventListener("close", function () {
    if (stream) stop();
  });

  fields.forEach(function (field) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-secondary btn-sm mt-1 scan-button";
    button.textContent = words.labelScan;
    var label = field.labels && field.labels[0] ? field.labels[0].textContent.replace(/\*/g, "").trim() : "";
    button.setAttribute("aria-label", words.labelScanField + " " + label);
    var note = document.createElement("p");
    note.className = "scan-note small mb-0";
    note.setAttribute("role", "status");
    field.insertAdjacentElement("afterend", note);
    field.insertAdjacentElement("afterend", button);
    button.addEventListener("click", function () { start(field); });
  });
})();
