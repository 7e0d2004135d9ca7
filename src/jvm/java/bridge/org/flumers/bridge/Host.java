package org.flumers.bridge;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.security.CodeSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.EventDeliveryException;
import org.apache.flume.ChannelException;
import org.apache.flume.conf.Configurable;
import org.apache.flume.interceptor.Interceptor;
import org.apache.flume.lifecycle.LifecycleAware;
import org.apache.flume.source.http.HTTPBadRequestException;

/**
 * The one entry point flume-rs calls: {@link #call} dispatches an operation on a hosted
 * component (kept here under a numeric handle) and never throws: a Java exception comes back
 * as an error record with its class, message and stack trace. {@link #upcall} is the way back
 * into flume-rs (channel takes for hosted sinks, channel puts for hosted sources, log lines);
 * it is registered by flume-rs when the JVM starts.
 *
 * <p>Only Flume's public plugin API is used, so the same bridge runs on top of flume-rs's API
 * jar or of a site's own Flume jars.
 */
public final class Host {
  private Host() {}

  // Operations flume-rs calls (src/jvm/wire.rs has the same numbers).
  static final int OP_INIT = 1;
  static final int OP_CLOSE = 2;
  static final int OP_CHECK_CLASS = 3;
  static final int OP_START = 4;
  static final int OP_STOP = 5;
  static final int OP_NEW_INTERCEPTOR = 10;
  static final int OP_INTERCEPT = 11;
  static final int OP_NEW_SINK = 20;
  static final int OP_SINK_PROCESS = 21;
  static final int OP_NEW_SOURCE = 30;
  static final int OP_SOURCE_PROCESS = 31;
  static final int OP_NEW_SERIALIZER = 40;
  static final int OP_SERIALIZER_CALL = 41;
  static final int OP_METRICS = 50;
  static final int OP_NEW_HANDLER = 60;
  static final int OP_HANDLE = 61;
  static final int OP_NEW_CHANNEL = 70;
  static final int OP_CHANNEL_PUT = 71;
  static final int OP_CHANNEL_TAKE = 72;
  static final int OP_CHANNEL_COMMIT = 73;
  static final int OP_CHANNEL_ROLLBACK = 74;

  // Upcalls into flume-rs.
  static final int UP_LOG = 1;
  static final int UP_TAKE = 10;
  static final int UP_COMMIT = 11;
  static final int UP_ROLLBACK = 12;
  static final int UP_PUT = 20;

  // Error kinds.
  static final int ERR_CLASS_NOT_FOUND = 1;
  static final int ERR_WRONG_KIND = 2;
  static final int ERR_LINKAGE = 3;
  static final int ERR_EXCEPTION = 4;
  static final int ERR_DELIVERY = 5;
  static final int ERR_CHANNEL = 6;
  static final int ERR_BAD_REQUEST = 7;
  static final int ERR_CHANNEL_FULL = 8;

  // Component kinds, for class checks.
  static final int KIND_INTERCEPTOR = 1;
  static final int KIND_SINK = 2;
  static final int KIND_SOURCE = 3;
  static final int KIND_SERIALIZER = 4;
  static final int KIND_HANDLER = 5;
  static final int KIND_CHANNEL = 6;

  private static final Map<Long, Object> HANDLES = new ConcurrentHashMap<Long, Object>();
  private static final AtomicLong NEXT = new AtomicLong(1);

  /** Implemented in flume-rs (registered with RegisterNatives at start). */
  static native byte[] upcall(int op, long id, byte[] payload);

  public static byte[] call(int op, long handle, byte[] payload) {
    try {
      Wire.In in = new Wire.In(payload);
      Wire.Out out = new Wire.Out();
      out.u8(0);
      dispatch(op, handle, in, out);
      return out.done();
    } catch (Throwable t) {
      return error(t);
    }
  }

  private static void dispatch(int op, long handle, Wire.In in, Wire.Out out) throws Exception {
    switch (op) {
      case OP_INIT:
        LogForwarder.install();
        out.str(System.getProperty("java.version"));
        out.str(origin(Event.class));
        return;
      case OP_CLOSE: {
        Object o = HANDLES.remove(handle);
        if (o instanceof Interceptor) {
          ((Interceptor) o).close();
        } else if (o instanceof Hosted) {
          ((Hosted) o).close();
        } else if (o instanceof LifecycleAware) {
          ((LifecycleAware) o).stop();
        }
        return;
      }
      case OP_CHECK_CLASS: {
        String name = in.str();
        load(name, in.i32());
        return;
      }
      case OP_START: {
        Object o = get(handle);
        if (o instanceof Hosted) {
          ((Hosted) o).start();
        } else if (o instanceof LifecycleAware) {
          ((LifecycleAware) o).start();
        }
        return;
      }
      case OP_STOP: {
        Object o = get(handle);
        if (o instanceof Hosted) {
          ((Hosted) o).stop();
        } else if (o instanceof LifecycleAware) {
          ((LifecycleAware) o).stop();
        }
        return;
      }
      case OP_NEW_INTERCEPTOR: {
        Class<?> c = load(in.str(), KIND_INTERCEPTOR);
        Context ctx = new Context(in.map());
        Interceptor.Builder builder = (Interceptor.Builder) c.newInstance();
        builder.configure(ctx);
        Interceptor interceptor = builder.build();
        interceptor.initialize();
        out.i64(put(interceptor));
        return;
      }
      case OP_INTERCEPT: {
        Interceptor interceptor = (Interceptor) get(handle);
        List<Event> events = in.events();
        out.events(interceptor.intercept(events));
        return;
      }
      case OP_NEW_SINK: {
        String cls = in.str();
        String name = in.str();
        Map<String, String> ctx = in.map();
        long channel = in.i64();
        Class<?> c = load(cls, KIND_SINK);
        out.i64(put(new HostedSink(c, name, new Context(ctx), channel)));
        return;
      }
      case OP_SINK_PROCESS:
        out.u8(((HostedSink) get(handle)).process());
        return;
      case OP_NEW_SOURCE: {
        String cls = in.str();
        String name = in.str();
        Map<String, String> ctx = in.map();
        long processor = in.i64();
        Class<?> c = load(cls, KIND_SOURCE);
        HostedSource s = new HostedSource(c, name, new Context(ctx), processor);
        out.i64(put(s));
        out.u8(s.pollable() ? 1 : 0);
        out.i64(s.backoffIncrement());
        out.i64(s.maxBackoff());
        return;
      }
      case OP_SOURCE_PROCESS:
        out.u8(((HostedSource) get(handle)).process());
        return;
      case OP_METRICS:
        metrics(in.str(), in.str(), out);
        return;
      case OP_NEW_SERIALIZER: {
        Class<?> c = load(in.str(), KIND_SERIALIZER);
        out.i64(put(new HostedSerializer(c, new Context(in.map()))));
        return;
      }
      case OP_NEW_HANDLER: {
        Class<?> c = load(in.str(), KIND_HANDLER);
        out.i64(put(new HostedHandler(c, new Context(in.map()))));
        return;
      }
      case OP_HANDLE:
        ((HostedHandler) get(handle)).call(in, out);
        return;
      case OP_NEW_CHANNEL: {
        String cls = in.str();
        String name = in.str();
        Map<String, String> ctx = in.map();
        Class<?> c = load(cls, KIND_CHANNEL);
        HostedChannel ch = new HostedChannel(c, name, new Context(ctx));
        out.i64(put(ch));
        out.i64(ch.transactionCapacity());
        return;
      }
      case OP_CHANNEL_PUT:
        ((HostedChannel) get(handle)).put(in.events());
        return;
      case OP_CHANNEL_TAKE:
        out.events(((HostedChannel) get(handle)).take(in.i32()));
        return;
      case OP_CHANNEL_COMMIT:
        ((HostedChannel) get(handle)).commit();
        return;
      case OP_CHANNEL_ROLLBACK:
        ((HostedChannel) get(handle)).rollback();
        return;
      case OP_SERIALIZER_CALL:
        ((HostedSerializer) get(handle)).call(in.i32(), in, out);
        return;
      default:
        throw new IllegalArgumentException("unknown bridge operation " + op);
    }
  }

  /** The attributes of Flume's MBean org.apache.flume.KIND:type=NAME, as strings (none when
   * the component registered no counter). */
  static void metrics(String kind, String name, Wire.Out out) throws Exception {
    javax.management.MBeanServer server =
        java.lang.management.ManagementFactory.getPlatformMBeanServer();
    javax.management.ObjectName object =
        new javax.management.ObjectName("org.apache.flume." + kind + ":type=" + name);
    if (!server.isRegistered(object)) {
      out.i32(0);
      return;
    }
    javax.management.MBeanAttributeInfo[] infos = server.getMBeanInfo(object).getAttributes();
    java.util.Map<String, String> values = new java.util.LinkedHashMap<String, String>();
    for (javax.management.MBeanAttributeInfo info : infos) {
      try {
        values.put(info.getName(), String.valueOf(server.getAttribute(object, info.getName())));
      } catch (Exception e) {
        // an attribute that cannot be read is left out, as Flume's JSON reporter does
      }
    }
    out.map(values);
  }

  static long put(Object o) {
    long id = NEXT.getAndIncrement();
    HANDLES.put(id, o);
    return id;
  }

  static Object get(long handle) {
    Object o = HANDLES.get(handle);
    if (o == null) {
      throw new IllegalStateException("no hosted component with handle " + handle);
    }
    return o;
  }

  /** What a class of each kind must implement. */
  static String expected(int kind) {
    switch (kind) {
      case KIND_INTERCEPTOR:
        return "org.apache.flume.interceptor.Interceptor$Builder";
      case KIND_SINK:
        return "org.apache.flume.Sink";
      case KIND_SOURCE:
        return "org.apache.flume.Source";
      case KIND_SERIALIZER:
        return "org.apache.flume.serialization.EventSerializer$Builder";
      case KIND_HANDLER:
        return "org.apache.flume.source.http.HTTPSourceHandler";
      case KIND_CHANNEL:
        return "org.apache.flume.Channel";
      default:
        return "java.lang.Object";
    }
  }

  static Class<?> load(String name, int kind) throws Exception {
    ClassLoader loader = Host.class.getClassLoader();
    Class<?> c;
    try {
      c = Class.forName(name.trim(), true, loader);
    } catch (ClassNotFoundException e) {
      throw new Failure(ERR_CLASS_NOT_FOUND, e);
    } catch (LinkageError e) {
      throw new Failure(ERR_LINKAGE, e);
    }
    String expected = expected(kind);
    Class<?> want;
    try {
      want = Class.forName(expected, false, loader);
    } catch (ClassNotFoundException e) {
      throw new Failure(ERR_LINKAGE, e);
    }
    if (!want.isAssignableFrom(c)) {
      throw new Failure(ERR_WRONG_KIND, new ClassCastException(
          name + " does not implement " + expected));
    }
    return c;
  }

  static String origin(Class<?> c) {
    CodeSource cs = c.getProtectionDomain().getCodeSource();
    return cs == null || cs.getLocation() == null ? "" : cs.getLocation().toString();
  }

  /** An error whose kind is decided here rather than by its exception class. */
  static final class Failure extends Exception {
    final int kind;

    Failure(int kind, Throwable cause) {
      super(cause.getMessage(), cause);
      this.kind = kind;
    }
  }

  static byte[] error(Throwable t) {
    int kind = ERR_EXCEPTION;
    if (t instanceof Failure) {
      kind = ((Failure) t).kind;
      t = t.getCause();
    } else if (t instanceof HTTPBadRequestException) {
      kind = ERR_BAD_REQUEST;
    } else if (t instanceof EventDeliveryException) {
      kind = ERR_DELIVERY;
    } else if (t instanceof org.apache.flume.ChannelFullException) {
      kind = ERR_CHANNEL_FULL;
    } else if (t instanceof ChannelException) {
      kind = ERR_CHANNEL;
    } else if (t instanceof LinkageError) {
      kind = ERR_LINKAGE;
    }
    Wire.Out out = new Wire.Out();
    out.u8(1).i32(kind).str(t.getClass().getName()).str(String.valueOf(t.getMessage()));
    out.str(stack(t));
    return out.done();
  }

  /** Throws {@code t} as it is, checked or not. */
  @SuppressWarnings("unchecked")
  static <T extends Throwable> void rethrow(Throwable t) throws T {
    throw (T) t;
  }

  static String stack(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  /** Calls back into flume-rs; an error answer is thrown as a ChannelException. */
  static Wire.In up(int op, long id, byte[] payload) {
    byte[] answer = upcall(op, id, payload);
    Wire.In in = new Wire.In(answer);
    if (answer == null || answer.length == 0) {
      throw new ChannelException("flume-rs did not answer");
    }
    int status = answer[0];
    in.skip(1);
    if (status != 0) {
      throw new ChannelException(in.str());
    }
    return in;
  }

  /** A hosted component with its own lifecycle wrapper. */
  interface Hosted {
    void start() throws Exception;

    /** Stops; may be started again (a restart after a failure). */
    void stop() throws Exception;

    /** Stops for good. */
    void close() throws Exception;
  }

  static void configure(Object o, Context ctx) {
    if (o instanceof Configurable) {
      ((Configurable) o).configure(ctx);
    }
  }
}
