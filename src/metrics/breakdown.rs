//! Breakdowns of account-based metrics by account attribute and ACV band.
