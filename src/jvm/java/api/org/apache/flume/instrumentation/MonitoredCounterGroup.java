package org.apache.flume.instrumentation;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * A component's counters, published as a JMX MBean named
 * {@code org.apache.flume.<type in lower case>:type=<component name>} on the platform MBean
 * server when {@link #start()} is first called (a bean already registered under that name is
 * replaced). The MBean's attributes are the getters of the subclass's {@code ...MBean}
 * interface ({@code EventReceivedCount}, {@code StartTime}, {@code Type}, ...).
 */
public abstract class MonitoredCounterGroup {
  private static final Logger LOG = Logger.getLogger(MonitoredCounterGroup.class.getName());

  private final Type type;
  private final String name;
  private final Map<String, AtomicLong> counters;
  private final AtomicLong startTime = new AtomicLong(0L);
  private final AtomicLong stopTime = new AtomicLong(0L);
  private volatile boolean registered = false;

  protected MonitoredCounterGroup(Type type, String name, String... attrs) {
    this.type = type;
    this.name = name;
    Map<String, AtomicLong> map = new HashMap<String, AtomicLong>();
    for (String attr : attrs) {
      map.put(attr, new AtomicLong(0L));
    }
    counters = Collections.unmodifiableMap(map);
  }

  /** Registers the MBean (once), zeroes every counter and the stop time, records the start. */
  public void start() {
    register();
    stopTime.set(0L);
    for (AtomicLong counter : counters.values()) {
      counter.set(0L);
    }
    startTime.set(System.currentTimeMillis());
    LOG.info("Component type: " + type + ", name: " + name + " started");
  }

  private void register() {
    if (registered) {
      return;
    }
    try {
      ObjectName objectName = new ObjectName(
          "org.apache.flume." + type.name().toLowerCase(Locale.ENGLISH) + ":type=" + name);
      MBeanServer server = ManagementFactory.getPlatformMBeanServer();
      if (server.isRegistered(objectName)) {
        server.unregisterMBean(objectName);
      }
      server.registerMBean(this, objectName);
      LOG.info("Monitored counter group for type: " + type + ", name: " + name
          + ": Successfully registered new MBean.");
      registered = true;
    } catch (Exception e) {
      LOG.log(Level.SEVERE,
          "Failed to register monitored counter group for type: " + type + ", name: " + name, e);
    }
  }

  /** Records the stop time and logs every counter; the MBean stays registered. */
  public void stop() {
    stopTime.set(System.currentTimeMillis());
    LOG.info("Component type: " + type + ", name: " + name + " stopped");
    String prefix = type.name().toLowerCase(Locale.ENGLISH);
    LOG.info("Shutdown Metric for type: " + type + ", name: " + name + ". " + prefix
        + ".start.time == " + startTime);
    LOG.info("Shutdown Metric for type: " + type + ", name: " + name + ". " + prefix
        + ".stop.time == " + stopTime);
    List<String> keys = new ArrayList<String>(counters.keySet());
    Collections.sort(keys);
    for (String key : keys) {
      LOG.info("Shutdown Metric for type: " + type + ", name: " + name + ". " + key + " == "
          + get(key));
    }
  }

  public long getStartTime() {
    return startTime.get();
  }

  public long getStopTime() {
    return stopTime.get();
  }

  @Override
  public final String toString() {
    StringBuilder sb = new StringBuilder(type.name()).append(':').append(name).append('{');
    boolean first = true;
    for (String key : counters.keySet()) {
      if (!first) {
        sb.append(", ");
      }
      first = false;
      sb.append(key).append('=').append(get(key));
    }
    return sb.append('}').toString();
  }

  protected long get(String counter) {
    return counters.get(counter).get();
  }

  protected void set(String counter, long value) {
    counters.get(counter).set(value);
  }

  protected long addAndGet(String counter, long delta) {
    return counters.get(counter).addAndGet(delta);
  }

  protected long increment(String counter) {
    return counters.get(counter).incrementAndGet();
  }

  /** The component kinds; the lower-case name is the MBean's domain suffix. */
  public enum Type {
    SOURCE,
    CHANNEL_PROCESSOR,
    CHANNEL,
    SINK_PROCESSOR,
    SINK,
    INTERCEPTOR,
    SERIALIZER,
    OTHER
  }

  public String getType() {
    return type.name();
  }
}
