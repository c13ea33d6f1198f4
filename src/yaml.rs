//! The one module that parses YAML (config now, report front matter later).
