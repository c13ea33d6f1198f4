// Loads pages of a built postsale site in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) the way a reader opens them from disk, on a desktop (1400 px wide) and on a
// phone (420 px), and checks what a reader would notice: no console error or uncaught exception,
// no request leaving the site, every chart drawn with a visible size, sortable tables that sort on
// a click, no axe-core accessibility violation, and the layout at that width, measured in the
// browser: no horizontal page scroll, chart text at least 11 px as rendered (font size times the
// SVG's scale), one drawing of each chart shown, tables wider than their box scrolling inside it
// with the "scroll →" hint, on the phone the site links folded behind a working Menu button, and
// on the desktop charts as wide as the content.
//
// Usage: node check.mjs SITE_DIR SCREENSHOT_DIR PAGE...   (PAGE relative to SITE_DIR)
// Prints one line per page and width ("PAGE @WIDTHpx: N charts, chart text >= X px, M problems")
// and exits 1 with every problem listed if any check fails.

import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [siteDir, shotDir, ...pages] = process.argv.slice(2);
if (!siteDir || !shotDir || pages.length === 0) {
  console.error("usage: node check.mjs SITE_DIR SCREENSHOT_DIR PAGE...");
  process.exit(2);
}
const executablePath = process.env.POSTSALE_CHROMIUM || "/usr/bin/chromium";
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const siteRoot = pathToFileURL(resolve(siteDir)).href;

const browser = await chromium.launch({
  executablePath,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
/** The smallest chart text on screen may be this many px; the content of a page is this wide. */
const MIN_CHART_TEXT = 11;
const problems = [];
try {
  for (const width of [1400, 420]) for (const rel of pages) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const mine = [];
    page.on("console", (msg) => {
      if (msg.type() === "error" || msg.type() === "warning") {
        mine.push(`console ${msg.type()}: ${msg.text()}`);
      }
    });
    page.on("pageerror", (err) => mine.push(`uncaught exception: ${err.message}`));
    page.on("request", (req) => {
      const url = req.url();
      if (!url.startsWith(siteRoot) && !url.startsWith("data:")) {
        mine.push(`request outside the site: ${url}`);
      }
    });
    page.on("requestfailed", (req) => mine.push(`failed request: ${req.url()}`));

    const url = pathToFileURL(resolve(siteDir, rel)).href;
    const response = await page.goto(url, { waitUntil: "load" });
    if (!response || !response.ok()) mine.push(`could not load ${url}`);

    // Charts: every chart (in a figure, the one drawing of it the screen shows) is laid out with
    // a visible size and has a title.
    const charts = await page.evaluate(() => {
      const shown = (svg) => getComputedStyle(svg).display !== "none";
      const figures = Array.from(document.querySelectorAll("figure.chart")).map((figure) => {
        const svgs = Array.from(figure.querySelectorAll(".chart-svg > svg"));
        return svgs.filter(shown)[0] || svgs[0];
      });
      return figures.concat(Array.from(document.querySelectorAll(".spark svg"))).filter(Boolean).map((svg) => {
        const box = svg.getBoundingClientRect();
        const style = getComputedStyle(svg);
        return {
          width: box.width,
          height: box.height,
          visible: style.visibility !== "hidden" && style.display !== "none",
          title: (svg.querySelector("title") || {}).textContent || "",
          shapes: svg.querySelectorAll("path, rect, circle, line, polyline, polygon").length,
          empty: svg.textContent.includes("No data"),
        };
      });
    });
    charts.forEach((c, i) => {
      if (!c.visible || c.width < 20 || c.height < 10) {
        mine.push(`chart ${i + 1} is not visible (${c.width}x${c.height})`);
      }
      if (!c.title.trim()) mine.push(`chart ${i + 1} has no <title>`);
      if (c.shapes === 0 && !c.empty) mine.push(`chart ${i + 1} draws nothing and says no "No data"`);
    });

    // Layout at this width, from the browser's computed sizes.
    const layout = await page.evaluate(() => {
      const found = [];
      const main = document.querySelector("main");
      const mainStyle = getComputedStyle(main);
      const content = main.clientWidth - parseFloat(mainStyle.paddingLeft) - parseFloat(mainStyle.paddingRight);
      if (document.documentElement.scrollWidth > window.innerWidth) {
        found.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px wide in a ${window.innerWidth} px window`);
      }
      // Chart text as rendered: its font size times the scale of its SVG on screen.
      let minText = Infinity;
      document.querySelectorAll("figure.chart").forEach((figure, i) => {
        const svgs = Array.from(figure.querySelectorAll(".chart-svg > svg"));
        const shown = svgs.filter((svg) => getComputedStyle(svg).display !== "none");
        if (shown.length !== 1) found.push(`figure ${i + 1} shows ${shown.length} drawings of its chart`);
        shown.forEach((svg) => {
          const viewBox = svg.viewBox.baseVal;
          const scale = svg.getBoundingClientRect().width / (viewBox && viewBox.width ? viewBox.width : svg.width.baseVal.value);
          svg.querySelectorAll("text").forEach((text) => {
            const px = parseFloat(getComputedStyle(text).fontSize) * scale;
            if (px < minText) minText = px;
            if (px < 11) found.push(`figure ${i + 1}: chart text "${text.textContent.slice(0, 24)}" is ${px.toFixed(1)} px`);
          });
          // On a desktop a chart drawn to fit the page fills the content width.
          if (window.innerWidth >= 1200 && svg.classList.contains("chart-wide") && !svg.classList.contains("chart-natural")) {
            const w = svg.getBoundingClientRect().width;
            if (Math.abs(w - content) > 2) found.push(`figure ${i + 1} is ${w.toFixed(0)} px wide, the content ${content.toFixed(0)} px`);
          }
        });
      });
      // Tables scroll inside their box, and one wider than its box says so.
      document.querySelectorAll("main table").forEach((table, i) => {
        const wrap = table.parentElement;
        if (!["auto", "scroll"].includes(getComputedStyle(wrap).overflowX)) {
          found.push(`table ${i + 1} is not in a box that scrolls sideways`);
          return;
        }
        if (wrap.clientWidth > 0 && table.getBoundingClientRect().width > wrap.clientWidth + 1) {
          const hint = getComputedStyle(wrap, "::before").content;
          if (!hint.includes("scroll")) found.push(`table ${i + 1} is wider than its box and shows no "scroll" hint`);
        }
      });
      return { found, minText: Number.isFinite(minText) ? minText : null, content };
    });
    layout.found.forEach((p) => mine.push(p));

    // Navigation: on a phone the site links fold behind the Menu button, which opens them.
    const nav = await page.evaluate(() => {
      const button = document.querySelector(".menu-button");
      const links = document.querySelector("#site-nav");
      const visible = (e) => !!e && getComputedStyle(e).display !== "none" && e.getBoundingClientRect().height > 0;
      if (!visible(button)) return { button: false, links: visible(links) };
      const folded = !visible(links);
      button.click();
      const opened = visible(links) && button.getAttribute("aria-expanded") === "true";
      button.click();
      return { button: true, folded, opened, links: visible(links) };
    });
    if (width <= 600) {
      if (!nav.button) mine.push("no Menu button on a phone");
      else if (!nav.folded || !nav.opened) mine.push(`the Menu button does not fold and open the site links (${JSON.stringify(nav)})`);
    } else if (nav.button || !nav.links) {
      mine.push(`on a desktop the site links are not shown in full (${JSON.stringify(nav)})`);
    }

    // Sorting: a click on a numeric header of the first sortable table orders its rows.
    const sortable = await page.$("table.sortable");
    if (sortable) {
      const sorted = await page.evaluate(async () => {
        const table = document.querySelector("table.sortable");
        const heads = Array.from(table.querySelectorAll("thead th"));
        const index = heads.findIndex((h) => h.classList.contains("num"));
        if (index < 0 || table.tBodies[0].rows.length < 2) return "skipped";
        heads[index].click();
        const keys = Array.from(table.tBodies[0].rows)
          .map((r) => parseFloat(r.cells[index].getAttribute("data-sort")))
          .filter((n) => !Number.isNaN(n));
        const ascending = keys.every((k, i) => i === 0 || keys[i - 1] <= k);
        return heads[index].getAttribute("aria-sort") === "ascending" && ascending ? "ok" : "unsorted";
      });
      if (sorted === "unsorted") mine.push("clicking a numeric column header did not sort the table");
    }

    // Accessibility: axe-core's WCAG 2.x A/AA rules and best practices.
    await page.addScriptTag({ content: axeSource });
    const violations = await page.evaluate(async () => {
      // preload: false — axe would fetch the stylesheets with XHR, which file:// pages refuse.
      const result = await window.axe.run(document, {
        preload: false,
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
      });
      return result.violations.map(
        (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`,
      );
    });
    violations.forEach((v) => mine.push(`axe: ${v}`));

    await page.screenshot({ path: join(shotDir, `${width}-` + rel.replace(/[\/\\]/g, "_") + ".png"), fullPage: true });
    const text = layout.minText === null ? "no chart text" : `chart text >= ${layout.minText.toFixed(1)} px`;
    console.log(`${rel} @${width}px: ${charts.length} charts, ${text}, ${mine.length} problems`);
    mine.forEach((p) => problems.push(`${rel} @${width}px: ${p}`));
    await page.close();
  }
} finally {
  await browser.close();
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
