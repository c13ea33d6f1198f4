// Loads pages of a built postsale site in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) the way a reader opens them from disk, and checks what a reader would notice:
// no console error or uncaught exception, no request leaving the site, every chart drawn with a
// visible size, sortable tables that sort on a click, and no axe-core accessibility violation.
//
// Usage: node check.mjs SITE_DIR SCREENSHOT_DIR PAGE...   (PAGE relative to SITE_DIR)
// Prints one line per page and exits 1 with every problem listed if any check fails.

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
const problems = [];
try {
  for (const rel of pages) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
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

    // Charts: every chart SVG is laid out with a visible size and has a title.
    const charts = await page.$$eval("figure.chart svg, .spark svg", (svgs) =>
      svgs.map((svg) => {
        const box = svg.getBoundingClientRect();
        const style = getComputedStyle(svg);
        return {
          width: box.width,
          height: box.height,
          visible: style.visibility !== "hidden" && style.display !== "none",
          title: (svg.querySelector("title") || {}).textContent || "",
          shapes: svg.querySelectorAll("path, rect, circle, line, polyline, polygon").length,
          empty: svg.textContent.includes("No data for this period"),
        };
      }),
    );
    charts.forEach((c, i) => {
      if (!c.visible || c.width < 20 || c.height < 10) {
        mine.push(`chart ${i + 1} is not visible (${c.width}x${c.height})`);
      }
      if (!c.title.trim()) mine.push(`chart ${i + 1} has no <title>`);
      if (c.shapes === 0 && !c.empty) mine.push(`chart ${i + 1} draws nothing and says no "No data"`);
    });

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

    await page.screenshot({ path: join(shotDir, rel.replace(/[\/\\]/g, "_") + ".png"), fullPage: true });
    console.log(`${rel}: ${charts.length} charts, ${mine.length} problems`);
    mine.forEach((p) => problems.push(`${rel}: ${p}`));
    await page.close();
  }
} finally {
  await browser.close();
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
