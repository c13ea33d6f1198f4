//! KPI tiles as built pages and digests show them, and numbers.json's entries they stand for
//! (included with `#[path = "common/tiles.rs"] mod tiles;`).

use postsale::metrics::catalog::{self, Unit};
use postsale::render::format;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// One KPI tile: what it names and shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    pub metric: String,
    pub period: String,
    pub basis: Option<String>,
    pub status: String,
    pub value: String,
}

/// Undoes the HTML escaping of the pages (Tera's, which writes `/` as `&#x2F;`).
pub fn unescape(html: &str) -> String {
    html.replace("&#x2F;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The text of `attr="..."` in `tag`, if present.
pub fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + len]))
}

/// The KPI tiles of a site page, in order, with their `aria-label`s.
pub fn page_tiles(html: &str) -> Vec<(String, Tile)> {
    html.split("<section class=\"tile ")
        .skip(1)
        .map(|t| {
            let tag = &t[..t.find('>').expect("tag end")];
            let value = t
                .split("<p class=\"tile-value\">")
                .nth(1)
                .and_then(|v| v.split("</p>").next())
                .expect("a tile value");
            let tile = Tile {
                metric: attr(tag, "data-metric").expect("data-metric"),
                period: attr(tag, "data-period").expect("data-period"),
                basis: attr(tag, "data-basis"),
                status: tag
                    .strip_prefix("status-")
                    .and_then(|s| s.split('"').next())
                    .expect("a status class")
                    .to_string(),
                value: unescape(value),
            };
            (attr(tag, "aria-label").expect("aria-label"), tile)
        })
        .collect()
}

/// numbers.json's entries of one scope, by (metric, period id) → (value, basis, status).
pub type Entries = BTreeMap<(String, String), (Json, Json, String)>;

/// The entries of `scope` (`company`, `csm:CSM002`, `segment:SMB`).
pub fn entries(numbers: &Json, scope: &str) -> Entries {
    numbers["numbers"]
        .as_array()
        .expect("a list of numbers")
        .iter()
        .filter(|n| n["scope"] == scope)
        .map(|n| {
            (
                (
                    n["metric"].as_str().expect("metric").to_string(),
                    n["period"]["id"].as_str().expect("period id").to_string(),
                ),
                (
                    n["value"].clone(),
                    n["basis"].clone(),
                    n["status"].as_str().expect("status").to_string(),
                ),
            )
        })
        .collect()
}

/// How a tile formats a value: money short, the rest in its unit.
pub fn shown(metric: &str, value: &Json, currency: &str) -> String {
    let def = catalog::get(metric).expect("a catalog metric");
    match (def.unit, value.as_f64()) {
        (_, None) => format::MISSING.to_string(),
        (Unit::Money, Some(v)) => format::money_short(v, currency),
        (_, v) => format::value(def, v, currency),
    }
}

/// Asserts that `tile` shows its numbers.json entry of `entries`: value, status and basis.
pub fn assert_shows_its_entry(tile: &Tile, entries: &Entries, currency: &str, what: &str) {
    let (value, basis, status) = entries
        .get(&(tile.metric.clone(), tile.period.clone()))
        .unwrap_or_else(|| panic!("{what}: no entry for {} {}", tile.metric, tile.period));
    assert_eq!(tile.value, shown(&tile.metric, value, currency), "{what}");
    assert_eq!(&tile.status, status, "{what}");
    assert_eq!(tile.basis.as_deref(), basis.as_str(), "{what}");
}
