package org.apache.flume.serialization;

/** What a text reader does with bytes that are not valid in its charset. */
public enum DecodeErrorPolicy {
  FAIL,
  REPLACE,
  IGNORE
}
