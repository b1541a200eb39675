// Keeps a reflection safe while it is written: a draft saved on the server
// a moment after typing stops (until it is sent: a sent reflection changes
// only when its writer presses Save changes), and a copy on this device,
// offered back if the page was closed before it was saved. Without
// JavaScript the form works the same, with its own buttons.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.URLSearchParams || !window.FormData) return;
  var status = document.getElementById("autosave-status");
  var address = form.getAttribute("action").split("#")[0];
  var key = "attune-reflection:" + address;
  var boxes = Array.prototype.slice.call(form.querySelectorAll("textarea"));
  var timer = null;

  function say(text) {
    if (status) status.textContent = text;
  }
  function clock() {
    return new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }
  function answers() {
    var a = {};
    boxes.forEach(function (t) { a[t.name] = t.value; });
    return a;
  }
  function keepHere() {
    try {
      localStorage.setItem(key, JSON.stringify({ at: Date.now(), answers: answers() }));
    } catch (e) { /* private browsing: the server copy still counts */ }
  }
  function save() {
    timer = null;
    keepHere();
    if (form.getAttribute("data-autosave") !== "server") {
      say("Kept on this device at " + clock() + ". Press Save changes to update what you sent.");
      return;
    }
    var data = new URLSearchParams(new FormData(form));
    data.set("action", "autosave");
    fetch(address, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-Autosave": "1" }
    }).then(function (r) {
      if (r.status === 204) {
        say("Draft saved at " + clock() + ". Only you can see it until you send it.");
      } else if (r.status === 401) {
        say("You were signed out. What you wrote is kept: press Send and we will help you back in.");
      } else {
        say("Not saved just now. What you wrote is still here.");
      }
    }).catch(function () {
      say("No connection right now. What you wrote is still here, and kept on this device.");
    });
  }

  form.addEventListener("input", function () {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 1500);
  });

  // Words kept on this device that the page does not show: offer them back.
  var kept = null;
  try { kept = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
  if (!kept || !kept.answers) return;
  var differs = boxes.some(function (t) {
    var k = kept.answers[t.name];
    return typeof k === "string" && k.trim() !== "" && k.trim() !== t.value.trim();
  });
  if (!differs) {
    try { localStorage.removeItem(key); } catch (e) { /* nothing to clear */ }
    return;
  }
  var offer = document.createElement("div");
  offer.className = "kept";
  offer.setAttribute("role", "status");
  var text = document.createElement("p");
  text.textContent = "This device kept words you typed here at " +
    new Date(kept.at).toLocaleString([], { weekday: "long", hour: "2-digit", minute: "2-digit" }) +
    " that are not in the form below.";
  var put = document.createElement("button");
  put.type = "button";
  put.className = "button button--quiet";
  put.textContent = "Put them back";
  put.addEventListener("click", function () {
    boxes.forEach(function (t) {
      var k = kept.answers[t.name];
      if (typeof k === "string" && k.trim() !== "") t.value = k;
    });
    offer.remove();
    save();
    if (boxes[0]) boxes[0].focus();
  });
  offer.appendChild(text);
  offer.appendChild(put);
  form.insertBefore(offer, form.firstChild);
})();
