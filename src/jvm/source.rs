//! Java sources (placeholder until the source adapter lands).
