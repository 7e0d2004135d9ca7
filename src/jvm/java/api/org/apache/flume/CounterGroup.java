package org.apache.flume;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** A named set of counters created on first use. */
public class CounterGroup {
  private String name;
  private HashMap<String, AtomicLong> counters = new HashMap<String, AtomicLong>();

  public CounterGroup() {
  }

  public synchronized Long get(String counter) {
    return getCounter(counter).get();
  }

  public synchronized Long incrementAndGet(String counter) {
    return getCounter(counter).incrementAndGet();
  }

  public synchronized Long addAndGet(String counter, Long delta) {
    return getCounter(counter).addAndGet(delta);
  }

  public synchronized void add(CounterGroup other) {
    synchronized (other) {
      for (Map.Entry<String, AtomicLong> e : other.getCounters().entrySet()) {
        addAndGet(e.getKey(), e.getValue().get());
      }
    }
  }

  public synchronized void set(String counter, Long value) {
    getCounter(counter).set(value);
  }

  public synchronized AtomicLong getCounter(String counter) {
    AtomicLong value = counters.get(counter);
    if (value == null) {
      value = new AtomicLong();
      counters.put(counter, value);
    }
    return value;
  }

  @Override
  public synchronized String toString() {
    return "{ name:" + name + " counters:" + counters + " }";
  }

  public synchronized String getName() {
    return name;
  }

  public synchronized void setName(String name) {
    this.name = name;
  }

  public synchronized HashMap<String, AtomicLong> getCounters() {
    return counters;
  }

  public synchronized void setCounters(HashMap<String, AtomicLong> counters) {
    this.counters = counters;
  }
}
