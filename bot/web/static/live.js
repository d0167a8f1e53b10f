// The live projector page: the state by Server-Sent Events, drawn as five bars.
// No inline script, nothing from elsewhere (the page's CSP allows only this origin).
"use strict";
(function () {
  var body = document.body;
  var code = body.getAttribute("data-code");
  var texts = JSON.parse(body.getAttribute("data-texts"));
  var $ = function (id) { return document.getElementById(id); };

  function bars(counts) {
    var box = $("bars");
    while (box.firstChild) { box.removeChild(box.firstChild); }
    box.setAttribute("data-counts", counts.join(","));
    var top = Math.max.apply(null, counts.concat([1]));
    counts.forEach(function (count, index) {
      var bar = document.createElement("div");
      bar.className = "bar";
      bar.setAttribute("data-count", String(count));
      var label = document.createElement("span");
      label.className = "count";
      label.textContent = String(count);
      var fill = document.createElement("div");
      fill.className = "fill";
      fill.style.height = (80 * count / top) + "%";
      var place = document.createElement("span");
      place.className = "place";
      place.textContent = String(index + 1);
      bar.appendChild(label);
      bar.appendChild(fill);
      bar.appendChild(place);
      box.appendChild(bar);
    });
  }

  // The facilitator's link carries their key after "#": taken off the address bar at
  // once (the beamer may show it), kept for this tab only, sent with each move.
  var storageKey = "live-key-" + code;
  var key = location.hash.length > 1 ? location.hash.slice(1) : sessionStorage.getItem(storageKey);
  if (location.hash) { history.replaceState(null, "", location.pathname + location.search); }
  var current = null;
  var busy = false;

  function host(state) {
    if (!key) { return; }
    sessionStorage.setItem(storageKey, key);
    $("host").hidden = state.ended;
    $("close").disabled = busy || !state.open;
    $("next").disabled = busy || state.round >= state.rounds;
    $("next").textContent = state.round ? texts.next : texts.first;
  }

  function move(action) {
    if (!current || busy) { return; }
    busy = true;
    host(current);
    fetch("/live/" + code + "/control", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ key: key, action: action, round: current.round })
    }).then(function (response) {
      if (response.status === 403) {
        key = null;
        sessionStorage.removeItem(storageKey);
        $("close").hidden = true;
        $("next").hidden = true;
        $("refused").textContent = texts.refused;
        $("refused").hidden = false;
      }
    }).finally(function () {
      busy = false;
      if (current && key) { host(current); }
    });
  }

  $("close").addEventListener("click", function () { move("close"); });
  $("next").addEventListener("click", function () { move("next"); });

  function show(state) {
    current = state;
    host(state);
    var inLobby = !state.ended && !state.dilemma;
    $("lobby").hidden = !inLobby;
    $("lobby-text").textContent = texts.lobby;
    $("chart").hidden = inLobby || state.ended;
    $("round").textContent = state.round ? state.round + " / " + state.rounds + (state.title ? " · " + state.title : "") : "";
    $("question").textContent = state.ended ? texts.ended : (state.dilemma || "");
    $("left").textContent = state.poles ? "1 = " + state.poles[0] : "";
    $("right").textContent = state.poles ? "5 = " + state.poles[1] : "";
    $("voters").textContent = state.dilemma ? texts.voters.replace("{voters}", String(state.voters)) : "";
    $("voters").setAttribute("data-voters", String(state.voters));
    if (state.counts) {
      bars(state.counts);
      $("note").textContent = state.open ? "" : texts.closed;
    } else {
      bars([0, 0, 0, 0, 0]);
      $("note").textContent = state.dilemma ? texts.waiting : "";
    }
  }

  var source = new EventSource("/live/" + code + "/events");
  source.onmessage = function (event) { show(JSON.parse(event.data)); };
})();
