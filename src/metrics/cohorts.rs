//! Cohort retention triangles (METRICS.md, Cohorts).
