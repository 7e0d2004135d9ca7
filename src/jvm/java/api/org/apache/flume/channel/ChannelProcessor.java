package org.apache.flume.channel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.flume.Channel;
import org.apache.flume.ChannelException;
import org.apache.flume.ChannelSelector;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.FlumeException;
import org.apache.flume.Transaction;
import org.apache.flume.conf.Configurable;
import org.apache.flume.interceptor.Interceptor;

/**
 * Moves a source's events into its channels: runs the interceptor chain, asks the selector for
 * the required and optional channels of each event, and puts each channel's share in one
 * transaction. A failure on a required channel is rolled back and thrown to the source as a
 * {@link ChannelException} (channels already committed keep their events); a failure on an
 * optional channel is rolled back and logged.
 */
public class ChannelProcessor implements Configurable {
  private static final Logger LOG = Logger.getLogger(ChannelProcessor.class.getName());

  /** Interceptor types that name one of Flume's own interceptors rather than a class. */
  private static final String[] BUILT_IN_INTERCEPTORS = {
    "timestamp", "host", "static", "regex_filter", "regex_extractor", "search_replace",
    "remove_header"
  };

  private final ChannelSelector selector;
  private volatile List<Interceptor> interceptors = Collections.emptyList();

  public ChannelProcessor(ChannelSelector selector) {
    this.selector = selector;
  }

  public void initialize() {
    for (Interceptor interceptor : interceptors) {
      interceptor.initialize();
    }
  }

  public void close() {
    for (Interceptor interceptor : interceptors) {
      interceptor.close();
    }
  }

  /**
   * Builds the interceptors listed (space-separated) in {@code interceptors}, each configured
   * with its {@code interceptors.<name>.} properties, prefix removed; {@code type} is the class
   * name of an {@link Interceptor.Builder}.
   *
   * @throws FlumeException if a type is missing or its builder cannot be loaded or created
   */
  @Override
  public void configure(Context context) {
    String names = context.getString("interceptors", "");
    if (names.isEmpty()) {
      return;
    }
    Context all = new Context(context.getSubProperties("interceptors."));
    List<Interceptor> built = new ArrayList<Interceptor>();
    for (String name : names.split("\\s+")) {
      Context own = new Context(all.getSubProperties(name + "."));
      String type = own.getString("type");
      if (type == null) {
        LOG.severe("Type not specified for interceptor " + name);
        throw new FlumeException("Interceptor.Type not specified for " + name);
      }
      Interceptor.Builder builder = newBuilder(type);
      builder.configure(own);
      built.add(builder.build());
    }
    interceptors = Collections.unmodifiableList(built);
  }

  private static Interceptor.Builder newBuilder(String type) {
    for (String alias : BUILT_IN_INTERCEPTORS) {
      if (alias.equals(type.toLowerCase(Locale.ENGLISH))) {
        throw new FlumeException("Interceptor.Builder not found.", new ClassNotFoundException(
            "interceptor type '" + type + "' is one of Flume's built-in interceptors, which "
                + "this plugin API does not contain"));
      }
    }
    Class<?> cls;
    try {
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      if (loader == null) {
        loader = ChannelProcessor.class.getClassLoader();
      }
      cls = Class.forName(type, true, loader);
    } catch (ClassNotFoundException e) {
      LOG.log(Level.SEVERE, "Builder class not found. Exception follows.", e);
      throw new FlumeException("Interceptor.Builder not found.", e);
    }
    if (!Interceptor.Builder.class.isAssignableFrom(cls)) {
      throw new FlumeException("Interceptor type " + type + " does not implement "
          + Interceptor.Builder.class.getName());
    }
    try {
      return (Interceptor.Builder) cls.newInstance();
    } catch (InstantiationException e) {
      LOG.log(Level.SEVERE, "Could not instantiate Builder. Exception follows.", e);
      throw new FlumeException("Interceptor.Builder not constructable.", e);
    } catch (IllegalAccessException e) {
      LOG.log(Level.SEVERE, "Unable to access Builder. Exception follows.", e);
      throw new FlumeException("Unable to access Interceptor.Builder.", e);
    }
  }

  public ChannelSelector getSelector() {
    return selector;
  }

  /** @throws ChannelException if a required channel refuses its share of the batch */
  public void processEventBatch(List<Event> events) {
    if (events == null) {
      throw new NullPointerException("Event list must not be null");
    }
    for (Interceptor interceptor : interceptors) {
      events = interceptor.intercept(events);
    }
    Map<Channel, List<Event>> required = new LinkedHashMap<Channel, List<Event>>();
    Map<Channel, List<Event>> optional = new LinkedHashMap<Channel, List<Event>>();
    for (Event event : events) {
      for (Channel channel : selector.getRequiredChannels(event)) {
        share(required, channel).add(event);
      }
      for (Channel channel : selector.getOptionalChannels(event)) {
        share(optional, channel).add(event);
      }
    }
    for (Map.Entry<Channel, List<Event>> e : required.entrySet()) {
      putRequired(e.getKey(), e.getValue(), "batch");
    }
    for (Map.Entry<Channel, List<Event>> e : optional.entrySet()) {
      putOptional(e.getKey(), e.getValue(), "batch");
    }
  }

  /** @throws ChannelException if a required channel refuses the event */
  public void processEvent(Event event) {
    for (Interceptor interceptor : interceptors) {
      if (event == null) {
        break;
      }
      event = interceptor.intercept(event);
    }
    if (event == null) {
      return;
    }
    List<Event> one = Collections.singletonList(event);
    for (Channel channel : selector.getRequiredChannels(event)) {
      putRequired(channel, one, "event");
    }
    for (Channel channel : selector.getOptionalChannels(event)) {
      putOptional(channel, one, "event");
    }
  }

  private static List<Event> share(Map<Channel, List<Event>> shares, Channel channel) {
    List<Event> list = shares.get(channel);
    if (list == null) {
      list = new ArrayList<Event>();
      shares.put(channel, list);
    }
    return list;
  }

  private static void putRequired(Channel channel, List<Event> events, String what) {
    Transaction tx = channel.getTransaction();
    if (tx == null) {
      throw new NullPointerException("Transaction object must not be null");
    }
    try {
      tx.begin();
      for (Event event : events) {
        channel.put(event);
      }
      tx.commit();
    } catch (Throwable t) {
      tx.rollback();
      if (t instanceof Error) {
        LOG.log(Level.SEVERE, "Error while writing to required channel: " + channel, t);
        throw (Error) t;
      } else if (t instanceof ChannelException) {
        throw (ChannelException) t;
      }
      throw new ChannelException("Unable to put " + what + " on required channel: " + channel, t);
    } finally {
      tx.close();
    }
  }

  private static void putOptional(Channel channel, List<Event> events, String what) {
    Transaction tx = null;
    try {
      tx = channel.getTransaction();
      tx.begin();
      for (Event event : events) {
        channel.put(event);
      }
      tx.commit();
    } catch (Throwable t) {
      if (tx != null) {
        tx.rollback();
      }
      LOG.log(Level.SEVERE, "Unable to put " + what + " on optional channel: " + channel, t);
      if (t instanceof Error) {
        throw (Error) t;
      }
    } finally {
      if (tx != null) {
        tx.close();
      }
    }
  }
}
