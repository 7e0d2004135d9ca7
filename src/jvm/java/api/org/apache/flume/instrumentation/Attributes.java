package org.apache.flume.instrumentation;

/** Joins a subclass's extra counter names with a counter class's own. */
final class Attributes {
  private Attributes() {
  }

  static String[] join(String[] extra, String[] own) {
    if (extra == null) {
      return own.clone();
    }
    String[] all = new String[extra.length + own.length];
    System.arraycopy(extra, 0, all, 0, extra.length);
    System.arraycopy(own, 0, all, extra.length, own.length);
    return all;
  }
}
