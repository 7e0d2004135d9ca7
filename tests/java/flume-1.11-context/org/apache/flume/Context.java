package org.apache.flume;

import java.util.Map;

/**
 * Compile-only copy of the declarations of Flume 1.10/1.11's Context that changed: there
 * getParameters() and getSubProperties(String) return java.util.Map. A class compiled against
 * this calls the 1.11 descriptors; it runs against flume-rs-plugin-api.jar's real Context.
 */
public class Context {
  public Context() {
    throw new UnsupportedOperationException("compile-only");
  }

  public Map<String, String> getParameters() {
    throw new UnsupportedOperationException("compile-only");
  }

  public Map<String, String> getSubProperties(String prefix) {
    throw new UnsupportedOperationException("compile-only");
  }

  public void put(String key, String value) {
    throw new UnsupportedOperationException("compile-only");
  }
}
