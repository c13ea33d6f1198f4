//! Loads the CSV tables of DATA.md into a `Dataset`, reporting every problem as a diagnostic.
