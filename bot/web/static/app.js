// The coordinator dashboard. Inside Telegram it signs every API call with the Mini App's
// initData (Authorization: tma …); on a laptop the session cookie of a login link does.
// Everything is built with textContent and DOM calls: no markup from data, no inline
// script (the page runs under a CSP that forbids it).
"use strict";
(function () {
  const webApp = window.Telegram && window.Telegram.WebApp;
  const initData = (webApp && webApp.initData) || hashInitData();
  const shell = JSON.parse(document.getElementById("shell-texts").textContent);
  const status = document.getElementById("status");
  let t = {};
  let me = null;

  function hashInitData() {
    const hash = new URLSearchParams(location.hash.slice(1));
    return hash.get("tgWebAppData") || "";
  }

  async function api(path, options) {
    const init = Object.assign({ credentials: "same-origin", headers: {} }, options || {});
    if (initData) init.headers.Authorization = "tma " + initData;
    const response = await fetch("/app/api/" + path, init);
    if (response.status === 401) throw new Failure("signed_out");
    if (response.status === 403) throw new Failure("forbidden");
    if (response.status === 429) throw new Failure("rate_limited");
    return response;
  }

  function Failure(key) { this.key = key; }

  function say(key, values) {
    let text = t[key] || shell[key] || key;
    for (const [name, value] of Object.entries(values || {})) {
      text = text.split("{" + name + "}").join(String(value));
    }
    return text;
  }

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function show(message) {
    status.textContent = message;
    status.hidden = !message;
  }

  async function download(path, name) {
    const response = await api(path);
    if (!response.ok) { show(say("failed")); return; }
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  function hiddenReason(row) {
    return row.hidden === "too_close" || row.hidden === "unchecked" ? row.hidden : "too_few";
  }

  function answerRate(row) {
    if (row.members === null) return say(hiddenReason(row));
    if (!row.nudges_sent) return say("no_prompts");
    if (row.nudges_answered === null) return say("figure_withheld");
    const percent = Math.round((100 * row.nudges_answered) / row.nudges_sent);
    return say("answer_rate", { percent: percent, answered: row.nudges_answered, sent: row.nudges_sent });
  }

  function cohortRow(row) {
    const name = el("td", {}, el("strong", { text: row.name }));
    if (row.closed) name.append(" ", el("span", { class: "badge", text: say("closed") }));
    if (row.link) name.append(el("br"), el("a", { href: row.link, class: "link", text: row.link }));
    else name.append(el("br"), el("span", { class: "hint", text: say("no_link") }));
    const actions = el("td", { class: "actions" });
    if (row.link) {
      for (const [kind, key] of [["qr.png", "qr_png"], ["qr.svg", "qr_svg"], ["poster.pdf", "poster"]]) {
        const button = el("button", { type: "button", "data-download": kind, text: say(key) });
        button.addEventListener("click", () => guarded(() => download("cohorts/" + row.id + "/" + kind, "cohort-" + row.id + "-" + kind)));
        actions.append(button);
      }
    }
    if (!row.closed) {
      const close = el("button", { type: "button", class: "secondary", "data-close": row.id, text: say("close") });
      close.addEventListener("click", async () => {
        if (!window.confirm(say("close_confirm"))) return;
        await guarded(async () => {
          await api("cohorts/" + row.id + "/close", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
          await loadCohorts();
        });
      });
      actions.append(close);
    }
    const members = row.members === null ? el("span", { class: "hint", text: say(hiddenReason(row)) }) : String(row.members);
    const active = row.members === null || row.active_30d === null ? "–" : String(row.active_30d);
    const steps = row.steps ? say("steps", { done: row.steps_done, total: row.steps }) : "–";
    return el("tr", { "data-cohort": row.id },
      name,
      el("td", { "data-label": say("col_workshop"), text: row.workshop_text }),
      el("td", { "data-label": say("col_members") }, members),
      el("td", { "data-label": say("col_active"), text: active }),
      el("td", { "data-label": say("col_plan"), text: steps }),
      el("td", { "data-label": say("col_answers"), text: answerRate(row) }),
      actions);
  }

  async function loadCohorts() {
    const data = await (await api("overview")).json();
    const list = document.getElementById("cohort-list");
    list.replaceChildren();
    document.getElementById("k-note").textContent = say("min_group_note", { k: data.min_group });
    if (!data.cohorts.length) { list.append(el("p", { text: say("cohorts_none") })); return data; }
    const head = el("tr", {}, ...["col_name", "col_workshop", "col_members", "col_active", "col_plan", "col_answers", "col_actions"].map((key) => el("th", { scope: "col", text: say(key) })));
    const body = el("tbody", {}, ...data.cohorts.map(cohortRow));
    if (data.together) {
      const total = Object.assign({ name: say("together"), steps: 0 }, data.together);
      body.append(el("tr", { class: "together" },
        el("td", {}, el("strong", { text: total.name })), el("td", { text: "" }),
        el("td", { text: String(total.members) }), el("td", { text: total.active_30d === null ? "–" : String(total.active_30d) }),
        el("td", { text: "–" }), el("td", { text: answerRate(total) }), el("td", { text: "" })));
    }
    list.append(el("table", { class: "cohorts" }, el("thead", {}, head), body));
    return data;
  }

  async function loadBroadcasts() {
    const section = document.getElementById("broadcasts");
    const items = await (await api("broadcasts")).json();
    section.replaceChildren();
    if (!items.length) { section.append(el("p", { text: say("broadcasts_none") })); return; }
    for (const item of items) {
      let shared;
      if (item.shared.length) shared = el("ul", { class: "shared" }, ...item.shared.map((text) => el("li", { text: text })));
      else shared = el("p", { class: "hint", text: say(item.shared_withheld ? "broadcast_shared_withheld" : "broadcast_no_shared", { k: me.min_group }) });
      const report = item.figures
        ? el("p", { text: say("broadcast_report", item.figures) })
        : el("p", { class: "hint", text: say("broadcast_figures_withheld", { k: me.min_group }) });
      section.append(el("article", { class: "broadcast", "data-broadcast": item.id },
        el("h3", { text: item.created_text + " · " + say("status_" + item.status) }),
        el("blockquote", { text: item.text }), report,
        el("h4", { text: say("broadcast_shared") }), shared));
    }
  }

  async function addChart(container, query) {
    const response = await api("chart.svg" + query);
    if (!response.ok) return;
    const parsed = new DOMParser().parseFromString(await response.text(), "image/svg+xml");
    const svg = parsed.documentElement;
    if (svg.nodeName !== "svg") return;
    container.append(el("figure", { class: "chart-box" }, document.importNode(svg, true)));
  }

  async function loadInsight() {
    const charts = document.getElementById("charts");
    charts.replaceChildren();
    const data = await (await api("overview")).json();
    const shown = data.cohorts.filter((row) => row.members !== null);
    if (!shown.length) { charts.append(el("p", { text: say("insight_none") })); return; }
    if (data.together) await addChart(charts, "");
    for (const row of shown) await addChart(charts, "?cohort=" + row.id);
  }

  function fillForm() {
    const form = document.getElementById("create");
    const plans = form.elements.plan;
    plans.replaceChildren(...me.plans.map((plan) => {
      const option = el("option", { value: plan.id, text: plan.title });
      if (plan.default) option.selected = true;
      return option;
    }));
    form.elements.timezone.value = me.timezone;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      guarded(() => create(form));
    });
  }

  async function create(form) {
      const result = document.getElementById("create-result");
      const body = Object.fromEntries(["name", "workshop", "timezone", "plan"].map((key) => [key, form.elements[key].value]));
      const response = await api("cohorts", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      const answer = await response.json();
      if (response.status === 201) {
        result.textContent = say("created", { name: answer.name });
        form.reset();
        form.elements.timezone.value = me.timezone;
        await loadCohorts();
      } else {
        result.textContent = say("invalid_" + (answer.field || "name"));
      }
  }

  const loaders = { cohorts: loadCohorts, broadcasts: loadBroadcasts, insight: loadInsight };

  async function open(tab) {
    for (const button of document.querySelectorAll("#tabs button")) {
      button.setAttribute("aria-selected", String(button.dataset.tab === tab));
    }
    for (const name of Object.keys(loaders)) document.getElementById(name).hidden = name !== tab;
    await guarded(loaders[tab]);
  }

  async function guarded(work) {
    try {
      await work();
    } catch (error) {
      show(say(error instanceof Failure ? error.key : "failed"));
      if (!(error instanceof Failure)) console.error(error);
    }
  }

  async function start() {
    if (webApp) { webApp.ready(); webApp.expand(); }
    me = await (await api("me")).json();
    t = me.texts;
    document.documentElement.lang = me.lang;
    for (const node of document.querySelectorAll("[data-text]")) node.textContent = say(node.dataset.text);
    for (const button of document.querySelectorAll("#tabs button")) {
      button.textContent = say("tab_" + button.dataset.tab);
      button.addEventListener("click", () => open(button.dataset.tab));
    }
    document.getElementById("role").textContent = me.admin ? say("role_admin") : "";
    document.getElementById("csv").addEventListener("click", (event) => { event.preventDefault(); guarded(() => download("insight.csv", "inzicht.csv")); });
    const logout = document.getElementById("logout");
    if (!initData) {
      logout.hidden = false;
      logout.textContent = say("logout");
      logout.addEventListener("click", async () => {
        await fetch("/app/logout", { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: "{}" });
        location.replace("/app");
      });
    }
    fillForm();
    document.getElementById("tabs").hidden = false;
    show("");
    await open("cohorts");
  }

  guarded(start);
})();
