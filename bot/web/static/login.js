// Spends the login link in the address bar: a POST from this page (a link preview that
// only fetches the page spends nothing), then on to the dashboard with the new session.
"use strict";
(function () {
  const status = document.getElementById("status");
  const button = document.getElementById("login");
  if (!button) return;
  async function exchange() {
    button.hidden = true;
    try {
      const response = await fetch(location.pathname, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      });
      if (response.ok) {
        history.replaceState(null, "", "/app");
        location.replace("/app");
        return;
      }
      status.textContent = response.status === 429 ? status.dataset.limited : status.dataset.failed;
    } catch (error) {
      status.textContent = status.dataset.failed;
      button.hidden = false;
    }
  }
  button.addEventListener("click", exchange);
  exchange();
})();
