package com.example.flume.v111;

import java.util.Map;
import java.util.TreeMap;
import org.apache.flume.Context;

/** Built against Flume 1.11's Context declarations; prints what the two map getters return. */
public final class MapContextCheck {
  private MapContextCheck() {
  }

  public static void main(String[] args) {
    Context context = new Context();
    context.put("sub.a", "1");
    context.put("sub.b", "2");
    context.put("other", "3");
    Map<String, String> all = context.getParameters();
    Map<String, String> sub = context.getSubProperties("sub.");
    System.out.println("parameters=" + new TreeMap<String, String>(all));
    System.out.println("sub=" + new TreeMap<String, String>(sub));
  }
}
