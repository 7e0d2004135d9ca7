//! Java sinks (placeholder until the sink adapter lands).
