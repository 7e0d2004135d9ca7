package org.apache.flume;

import com.google.common.collect.ImmutableMap;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * The configuration handed to a component: its properties with the component's own prefix
 * removed. Numeric and boolean getters trim the value before parsing; a missing key yields the
 * default (or null).
 *
 * <p>{@link #getParameters()} and {@link #getSubProperties(String)} return Guava's
 * {@code ImmutableMap}, as their descriptor requires, so Guava must be on the class path when
 * they are called.
 */
public class Context implements ParameterMaps {
  private final Map<String, String> parameters;

  public Context() {
    parameters = Collections.synchronizedMap(new HashMap<String, String>());
  }

  public Context(Map<String, String> parameters) {
    this();
    putAll(parameters);
  }

  @Override
  public ImmutableMap<String, String> getParameters() {
    synchronized (parameters) {
      return immutableCopy(parameters);
    }
  }

  public void clear() {
    parameters.clear();
  }

  /**
   * Returns the properties whose key starts with {@code prefix}, with the prefix removed.
   *
   * @throws IllegalArgumentException if the prefix does not end with a period
   */
  @Override
  public ImmutableMap<String, String> getSubProperties(String prefix) {
    if (!prefix.endsWith(".")) {
      throw new IllegalArgumentException(
          "The given prefix does not end with a period (" + prefix + ")");
    }
    Map<String, String> result = new HashMap<String, String>();
    synchronized (parameters) {
      for (Map.Entry<String, String> e : parameters.entrySet()) {
        String key = e.getKey();
        if (key.startsWith(prefix)) {
          result.put(key.substring(prefix.length()), e.getValue());
        }
      }
    }
    return immutableCopy(result);
  }

  private static ImmutableMap<String, String> immutableCopy(Map<String, String> map) {
    try {
      return ImmutableMap.copyOf(map);
    } catch (NoClassDefFoundError e) {
      NoClassDefFoundError clear = new NoClassDefFoundError(e.getMessage()
          + ": Context.getParameters() and getSubProperties(String) return Guava's ImmutableMap"
          + " (their signature since Flume 1.6): put a Guava jar on the class path");
      clear.initCause(e);
      throw clear;
    }
  }

  public void putAll(Map<String, String> map) {
    parameters.putAll(map);
  }

  public void put(String key, String value) {
    parameters.put(key, value);
  }

  public boolean containsKey(String key) {
    return parameters.containsKey(key);
  }

  public Boolean getBoolean(String key, Boolean defaultValue) {
    String value = parameters.get(key);
    return value == null ? defaultValue : Boolean.valueOf(Boolean.parseBoolean(value.trim()));
  }

  public Boolean getBoolean(String key) {
    return getBoolean(key, null);
  }

  public Integer getInteger(String key, Integer defaultValue) {
    String value = parameters.get(key);
    return value == null ? defaultValue : Integer.valueOf(Integer.parseInt(value.trim()));
  }

  public Integer getInteger(String key) {
    return getInteger(key, null);
  }

  public Long getLong(String key, Long defaultValue) {
    String value = parameters.get(key);
    return value == null ? defaultValue : Long.valueOf(Long.parseLong(value.trim()));
  }

  public Long getLong(String key) {
    return getLong(key, null);
  }

  public String getString(String key, String defaultValue) {
    String value = parameters.get(key);
    return value == null ? defaultValue : value;
  }

  public String getString(String key) {
    return parameters.get(key);
  }

  public Float getFloat(String key, Float defaultValue) {
    String value = parameters.get(key);
    return value == null ? defaultValue : Float.valueOf(Float.parseFloat(value.trim()));
  }

  public Float getFloat(String key) {
    return getFloat(key, null);
  }

  public Double getDouble(String key, Double defaultValue) {
    String value = parameters.get(key);
    return value == null ? defaultValue : Double.valueOf(Double.parseDouble(value.trim()));
  }

  public Double getDouble(String key) {
    return getDouble(key, null);
  }

  @Override
  public String toString() {
    return "{ parameters:" + parameters + " }";
  }
}
