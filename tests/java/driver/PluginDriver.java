import com.example.flume.CollectingSink;
import com.example.flume.CountingPollableSource;
import com.example.flume.LineEventSource;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.ObjectName;
import javax.servlet.http.HttpServletRequest;
import org.apache.flume.Channel;
import org.apache.flume.ChannelException;
import org.apache.flume.ChannelFullException;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.EventDeliveryException;
import org.apache.flume.FlumeException;
import org.apache.flume.PollableSource;
import org.apache.flume.Sink;
import org.apache.flume.Transaction;
import org.apache.flume.channel.BasicChannelSemantics;
import org.apache.flume.channel.BasicTransactionSemantics;
import org.apache.flume.channel.ChannelProcessor;
import org.apache.flume.channel.ChannelUtils;
import org.apache.flume.channel.ReplicatingChannelSelector;
import org.apache.flume.conf.Configurables;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.event.EventHelper;
import org.apache.flume.event.JSONEvent;
import org.apache.flume.event.SimpleEvent;
import org.apache.flume.instrumentation.ChannelCounter;
import org.apache.flume.interceptor.Interceptor;
import org.apache.flume.lifecycle.LifecycleState;
import org.apache.flume.serialization.EventSerializer;
import org.apache.flume.sink.hdfs.SequenceFileSerializer;
import org.apache.flume.source.http.HTTPBadRequestException;
import org.apache.flume.source.http.HTTPSourceHandler;

/**
 * Loads the fixture plugins (tests/java/plugins) by class name, as an agent does, and exercises
 * them through the plugin API; every check compares with the value Flume 1.9 produces. Prints
 * "PASS <scenario>" per scenario and exits non-zero if any check fails.
 */
public final class PluginDriver {
  private static int checks;

  private interface Scenario {
    void run() throws Throwable;
  }

  public static void main(String[] args) {
    Map<String, Scenario> scenarios = new java.util.LinkedHashMap<String, Scenario>();
    scenarios.put("context", PluginDriver::context);
    scenarios.put("events", PluginDriver::events);
    scenarios.put("interceptor", PluginDriver::interceptor);
    scenarios.put("selector", PluginDriver::selector);
    scenarios.put("transactions", PluginDriver::transactions);
    scenarios.put("channel-utils", PluginDriver::channelUtils);
    scenarios.put("pollable-source", PluginDriver::pollableSource);
    scenarios.put("event-driven-source", PluginDriver::eventDrivenSource);
    scenarios.put("sink", PluginDriver::sink);
    scenarios.put("serializer", PluginDriver::serializer);
    scenarios.put("http-handler", PluginDriver::httpHandler);
    scenarios.put("sequence-file-serializer", PluginDriver::sequenceFileSerializer);
    int failed = 0;
    for (Map.Entry<String, Scenario> s : scenarios.entrySet()) {
      try {
        s.getValue().run();
        System.out.println("PASS " + s.getKey());
      } catch (Throwable t) {
        failed++;
        System.out.println("FAIL " + s.getKey() + ": " + t);
        t.printStackTrace(System.out);
      }
    }
    System.out.println((scenarios.size() - failed) + " of " + scenarios.size()
        + " scenarios passed, " + checks + " checks");
    System.exit(failed == 0 ? 0 : 1);
  }

  // ---- helpers ----

  private static void eq(Object expected, Object actual, String what) {
    checks++;
    boolean same = expected == null ? actual == null
        : expected instanceof Object[] ? Arrays.deepEquals((Object[]) expected, (Object[]) actual)
        : expected.equals(actual);
    if (!same) {
      throw new AssertionError(what + ": expected <" + expected + "> but was <" + actual + ">");
    }
  }

  private static void throwsLike(Class<? extends Throwable> type, String message, Scenario body,
      String what) {
    checks++;
    try {
      body.run();
    } catch (Throwable t) {
      if (!type.isInstance(t) || (message != null && !message.equals(t.getMessage()))) {
        throw new AssertionError(what + ": expected " + type.getName() + "(" + message
            + ") but got " + t, t);
      }
      return;
    }
    throw new AssertionError(what + ": expected " + type.getName() + ", nothing thrown");
  }

  private static String repeat(String s, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(s);
    }
    return sb.toString();
  }

  private static Object instantiate(String className) throws Exception {
    return Class.forName(className).getDeclaredConstructor().newInstance();
  }

  private static Object mbean(String name, String attribute) throws Exception {
    return ManagementFactory.getPlatformMBeanServer().getAttribute(new ObjectName(name), attribute);
  }

  private static Context ctx(String... kv) {
    Context c = new Context();
    for (int i = 0; i < kv.length; i += 2) {
      c.put(kv[i], kv[i + 1]);
    }
    return c;
  }

  private static Event event(String body) {
    return EventBuilder.withBody(body, StandardCharsets.UTF_8);
  }

  private static String body(Event e) {
    return new String(e.getBody(), StandardCharsets.UTF_8);
  }

  /** An in-memory channel built on BasicChannelSemantics, with Flume's ChannelCounter. */
  static final class QueueChannel extends BasicChannelSemantics {
    final LinkedList<Event> queue = new LinkedList<Event>();
    final int capacity;
    final ChannelCounter counter;

    QueueChannel(String name, int capacity) {
      setName(name);
      this.capacity = capacity;
      this.counter = new ChannelCounter(name);
    }

    @Override
    public synchronized void start() {
      counter.start();
      counter.setChannelCapacity(capacity);
      super.start();
    }

    synchronized List<String> bodies() {
      List<String> out = new ArrayList<String>();
      for (Event e : queue) {
        out.add(body(e));
      }
      return out;
    }

    @Override
    protected BasicTransactionSemantics createTransaction() {
      return new BasicTransactionSemantics() {
        final List<Event> puts = new ArrayList<Event>();
        final LinkedList<Event> takes = new LinkedList<Event>();

        @Override
        protected void doPut(Event event) {
          counter.incrementEventPutAttemptCount();
          puts.add(event);
        }

        @Override
        protected Event doTake() {
          counter.incrementEventTakeAttemptCount();
          synchronized (QueueChannel.this) {
            Event e = queue.pollFirst();
            if (e != null) {
              takes.add(e);
            }
            return e;
          }
        }

        @Override
        protected void doCommit() {
          synchronized (QueueChannel.this) {
            if (queue.size() + puts.size() > capacity) {
              throw new ChannelFullException("no room in " + getName());
            }
            queue.addAll(puts);
            counter.addToEventPutSuccessCount(puts.size());
            counter.addToEventTakeSuccessCount(takes.size());
            counter.setChannelSize(queue.size());
            puts.clear();
            takes.clear();
          }
        }

        @Override
        protected void doRollback() {
          synchronized (QueueChannel.this) {
            while (!takes.isEmpty()) {
              queue.addFirst(takes.removeLast());
            }
            puts.clear();
          }
        }
      };
    }
  }

  private static ChannelProcessor processor(Context selectorConf, Channel... channels) {
    ReplicatingChannelSelector selector = new ReplicatingChannelSelector();
    selector.setChannels(Arrays.asList(channels));
    selector.configure(selectorConf);
    return new ChannelProcessor(selector);
  }

  // ---- scenarios ----

  private static void context() throws Exception {
    Context c = ctx("n", " 42 ", "b", "TRUE", "yes", "yes", "l", "9000000000", "f", "1.5",
        "sub.a", "1", "sub.b.c", "2", "subx", "3");
    eq(42, c.getInteger("n"), "getInteger trims");
    eq(7, c.getInteger("missing", 7), "getInteger default");
    eq(null, c.getInteger("missing"), "getInteger missing");
    eq(Boolean.TRUE, c.getBoolean("b"), "getBoolean TRUE");
    eq(Boolean.FALSE, c.getBoolean("yes"), "getBoolean yes");
    eq(9000000000L, c.getLong("l"), "getLong");
    eq(1.5f, c.getFloat("f"), "getFloat");
    eq(1.5d, c.getDouble("f"), "getDouble");
    eq(" 42 ", c.getString("n"), "getString keeps spaces");
    eq("d", c.getString("missing", "d"), "getString default");
    Map<String, String> sub = c.getSubProperties("sub.");
    Map<String, String> expected = new HashMap<String, String>();
    expected.put("a", "1");
    expected.put("b.c", "2");
    eq(expected, sub, "getSubProperties strips the prefix");
    throwsLike(IllegalArgumentException.class,
        "The given prefix does not end with a period (sub)", () -> c.getSubProperties("sub"),
        "getSubProperties without period");
    throwsLike(NumberFormatException.class, null, () -> c.getInteger("b"), "getInteger bad");
    Map<String, String> params = c.getParameters();
    eq(8, params.size(), "getParameters size");
    throwsLike(UnsupportedOperationException.class, null, () -> params.put("x", "y"),
        "getParameters is immutable");
    c.put("late", "1");
    eq(false, params.containsKey("late"), "getParameters is a copy");
    eq("{ parameters:{k=v} }", ctx("k", "v").toString(), "Context.toString");
    eq(true, Configurables.configure(new ReplicatingChannelSelector() {
      @Override
      public void configure(Context context) {
      }
    }, c), "Configurables.configure on a Configurable");
    eq(false, Configurables.configure(new Object(), c), "Configurables.configure on other");
    throwsLike(IllegalArgumentException.class,
        "Required parameter zz must exist and may not be null",
        () -> Configurables.ensureRequiredNonNull(c, "n", "zz"), "ensureRequiredNonNull");
  }

  private static void events() throws Exception {
    Map<String, String> headers = new HashMap<String, String>();
    headers.put("a", "b");
    Event e = EventBuilder.withBody("abc".getBytes(StandardCharsets.UTF_8), headers);
    headers.put("later", "x");
    eq(1, e.getHeaders().size(), "withBody copies the headers");
    eq("[Event headers = {a=b}, body.length = 3 ]", e.toString(), "SimpleEvent.toString");
    eq(0, EventBuilder.withBody((byte[]) null).getBody().length, "null body becomes empty");
    SimpleEvent s = new SimpleEvent();
    s.setBody(null);
    eq(0, s.getBody().length, "SimpleEvent.setBody(null)");
    // Hex columns are padded to 16 bytes of three characters each.
    eq("{ headers:{} body: 68 65 6C 6C 6F " + repeat("   ", 11) + "hello }",
        EventHelper.dumpEvent(event("hello")), "EventHelper.dumpEvent");
    eq("{ headers:{} body: 68 65 6C " + repeat("   ", 13) + "hel }",
        EventHelper.dumpEvent(event("hello"), 3), "dumpEvent, maxBytes");
    String eol = System.getProperty("line.separator");
    eq("{ headers:{} body: 30 31 32 33 34 35 36 37 38 39 61 62 63 64 65 66 0123456789abcdef" + eol
        + "00000010 0A 67 " + repeat("   ", 14) + ".g }",
        EventHelper.dumpEvent(event("0123456789abcdef\ngh"), 18), "dumpEvent, two lines");
    eq("{ headers:{} body: }", EventHelper.dumpEvent(event("")), "dumpEvent, empty body");
    JSONEvent j = new JSONEvent();
    j.setBody("h\u00e9".getBytes(StandardCharsets.UTF_8));
    j.setCharset("ISO-8859-1");
    eq(2, j.getBody().length, "JSONEvent re-encodes with its charset");
  }

  private static void interceptor() throws Exception {
    QueueChannel c1 = new QueueChannel("c1", 100);
    ChannelProcessor cp = processor(new Context(), c1);
    cp.configure(ctx("interceptors", "i1", "interceptors.i1.type",
        "com.example.flume.UpperCaseInterceptor$Builder", "interceptors.i1.header", "tag",
        "interceptors.i1.value", "x", "interceptors.i1.extra.site", "eu"));
    cp.initialize();
    cp.processEventBatch(Arrays.asList(event("hello"), event("drop"), event("world")));
    cp.processEvent(event("drop"));
    cp.processEvent(event("again"));
    eq(Arrays.asList("HELLO", "WORLD", "AGAIN"), c1.bodies(), "intercepted bodies");
    Map<String, String> h = new HashMap<String, String>();
    h.put("tag", "x");
    h.put("site", "eu");
    eq(h, c1.queue.get(0).getHeaders(), "intercepted headers");
    cp.close();
    // Loaded by name, as the agent does.
    Interceptor.Builder b = (Interceptor.Builder) instantiate(
        "com.example.flume.UpperCaseInterceptor$Builder");
    b.configure(ctx("value", "v"));
    Interceptor i = b.build();
    i.initialize();
    eq("upper", i.intercept(event("q")).getHeaders().keySet().iterator().next(),
        "default header name");
    throwsLike(FlumeException.class, "Interceptor.Type not specified for i2",
        () -> processor(new Context(), c1).configure(ctx("interceptors", "i2")),
        "interceptor without type");
    throwsLike(FlumeException.class, "Interceptor.Builder not found.",
        () -> processor(new Context(), c1).configure(ctx("interceptors", "i3",
            "interceptors.i3.type", "com.example.Missing")), "missing interceptor class");
  }

  private static void selector() throws Exception {
    QueueChannel c1 = new QueueChannel("c1", 100);
    QueueChannel c2 = new QueueChannel("c2", 1);
    ChannelProcessor optional = processor(ctx("optional", "c2"), c1, c2);
    eq(Arrays.asList(c2), optional.getSelector().getOptionalChannels(event("x")), "optional");
    optional.processEventBatch(Arrays.asList(event("a"), event("b")));
    eq(Arrays.asList("a", "b"), c1.bodies(), "required channel got the batch");
    eq(Collections.emptyList(), c2.bodies(), "full optional channel rolled back, no error");
    ChannelProcessor required = processor(new Context(), c1, c2);
    throwsLike(ChannelFullException.class, "no room in c2",
        () -> required.processEventBatch(Arrays.asList(event("c"), event("d"))),
        "required channel failure reaches the source");
    eq(Arrays.asList("a", "b", "c", "d"), c1.bodies(), "earlier required channel committed");
    required.processEvent(event("e"));
    eq(Arrays.asList("e"), c2.bodies(), "single event to both");
    throwsLike(ChannelException.class, "no room in c2", () -> required.processEvent(event("f")),
        "processEvent on a full required channel");
  }

  private static void transactions() throws Exception {
    QueueChannel ch = new QueueChannel("tx", 10);
    Transaction tx = ch.getTransaction();
    eq(tx, ch.getTransaction(), "one transaction per thread until closed");
    throwsLike(IllegalStateException.class, "commit() called when transaction is NEW!",
        tx::commit, "commit before begin");
    throwsLike(IllegalStateException.class, "No transaction exists for this thread", () -> {
      AtomicReference<Throwable> err = new AtomicReference<Throwable>();
      Thread t = new Thread(() -> {
        try {
          ch.put(event("x"));
        } catch (Throwable e) {
          err.set(e);
        }
      });
      t.start();
      t.join();
      throw err.get();
    }, "put from a thread without transaction");
    tx.begin();
    ch.put(event("x"));
    throwsLike(IllegalStateException.class,
        "close() called when transaction is OPEN - you must either commit or rollback first",
        tx::close, "close while open");
    throwsLike(IllegalStateException.class, "begin() called when transaction is OPEN!",
        tx::begin, "begin twice");
    tx.commit();
    tx.close();
    Transaction next = ch.getTransaction();
    eq(false, tx == next, "new transaction after close");
    next.begin();
    eq("x", body(ch.take()), "take");
    next.rollback();
    next.close();
    eq(Arrays.asList("x"), ch.bodies(), "rollback returns the take");
  }

  private static void channelUtils() throws Exception {
    QueueChannel ch = new QueueChannel("c-utils", 10);
    ch.start();
    ChannelUtils.put(ch, event("one"));
    ChannelUtils.put(ch, Arrays.asList(event("two"), event("three")));
    eq("one", body(ChannelUtils.take(ch)), "ChannelUtils.take");
    eq(2, ChannelUtils.take(ch, 5).size(), "ChannelUtils.take(max)");
    throwsLike(IllegalStateException.class, "boom", () -> ChannelUtils.transact(ch, () -> {
      ch.put(event("lost"));
      throw new IllegalStateException("boom");
    }), "transact rethrows and rolls back");
    eq(Collections.emptyList(), ch.bodies(), "rolled back put");
    String name = "org.apache.flume.channel:type=c-utils";
    eq(3L, mbean(name, "EventPutSuccessCount"), "ChannelCounter MBean put success");
    eq(3L, mbean(name, "EventTakeSuccessCount"), "ChannelCounter MBean take success");
    eq(10L, mbean(name, "ChannelCapacity"), "ChannelCounter MBean capacity");
    eq(0.0d, mbean(name, "ChannelFillPercentage"), "ChannelCounter MBean fill");
    eq("CHANNEL", mbean(name, "Type"), "ChannelCounter MBean type");
  }

  private static void pollableSource() throws Exception {
    QueueChannel ch = new QueueChannel("c-poll", 100);
    PollableSource src = (PollableSource) instantiate("com.example.flume.CountingPollableSource");
    src.setName("poll1");
    src.setChannelProcessor(processor(new Context(), ch));
    throwsLike(EventDeliveryException.class, "Source is not started.  It is in 'IDLE' state",
        src::process, "process before start");
    Configurables.configure(src, ctx("count", "5", "batchSize", "2", "prefix", "ev-",
        "backoffSleepIncrement", "250", "maxBackoffSleep", "2000"));
    eq(250L, src.getBackOffSleepIncrement(), "backoff increment");
    eq(2000L, src.getMaxBackOffSleepInterval(), "max backoff");
    src.start();
    eq(LifecycleState.START, src.getLifecycleState(), "started");
    List<PollableSource.Status> statuses = new ArrayList<PollableSource.Status>();
    for (int i = 0; i < 4; i++) {
      statuses.add(src.process());
    }
    eq(Arrays.asList(PollableSource.Status.READY, PollableSource.Status.READY,
        PollableSource.Status.READY, PollableSource.Status.BACKOFF), statuses, "statuses");
    eq(Arrays.asList("ev-0", "ev-1", "ev-2", "ev-3", "ev-4"), ch.bodies(), "events");
    String name = "org.apache.flume.source:type=poll1";
    eq(5L, mbean(name, "EventReceivedCount"), "SourceCounter MBean received");
    eq(5L, mbean(name, "EventAcceptedCount"), "SourceCounter MBean accepted");
    eq(3L, mbean(name, "AppendBatchAcceptedCount"), "SourceCounter MBean batches");
    eq("SOURCE", mbean(name, "Type"), "SourceCounter MBean type");
    eq(true, ((Long) mbean(name, "StartTime")) > 0, "StartTime set");
    src.stop();
    eq(LifecycleState.STOP, src.getLifecycleState(), "stopped");
    eq(true, ((Long) mbean(name, "StopTime")) > 0, "StopTime set");

    PollableSource defaults = (PollableSource) instantiate(
        "com.example.flume.CountingPollableSource");
    defaults.setName("poll2");
    Configurables.configure(defaults, new Context());
    eq(1000L, defaults.getBackOffSleepIncrement(), "default backoff increment");
    eq(5000L, defaults.getMaxBackOffSleepInterval(), "default max backoff");

    PollableSource bad = (PollableSource) instantiate("com.example.flume.CountingPollableSource");
    bad.setName("poll3");
    bad.setChannelProcessor(processor(new Context(), ch));
    throwsLike(FlumeException.class, "batchSize must be positive, got 0",
        () -> Configurables.configure(bad, ctx("batchSize", "0")), "configure failure");
    eq(LifecycleState.ERROR, bad.getLifecycleState(), "configure failure state");
    bad.start();
    eq(LifecycleState.ERROR, bad.getLifecycleState(), "does not start after a failure");
    throwsLike(FlumeException.class, "Source had error configuring or starting", bad::process,
        "process after configure failure");
  }

  private static void eventDrivenSource() throws Exception {
    QueueChannel ch = new QueueChannel("c-lines", 3);
    LineEventSource src = (LineEventSource) instantiate("com.example.flume.LineEventSource");
    src.setName("lines1");
    throwsLike(IllegalStateException.class, "No channel processor configured", src::start,
        "start without channel processor");
    src.setChannelProcessor(processor(new Context(), ch));
    Configurables.configure(src, ctx("lines", "l1,l2,l3,l4,l5", "host", "h1"));
    src.start();
    src.await();
    eq(Arrays.asList("l1", "l2", "l3"), ch.bodies(), "accepted lines");
    eq("h1", ch.queue.get(0).getHeaders().get("host"), "header");
    String name = "org.apache.flume.source:type=lines1";
    eq(3L, mbean(name, "EventAcceptedCount"), "accepted count");
    eq(2L, mbean(name, "ChannelWriteFail"), "channel write failures");
    eq(0L, mbean(name, "EventReadFail"), "read failures");
    eq("com.example.flume.LineEventSource{name:lines1,state:START}", src.toString(),
        "AbstractSource.toString");
    src.stop();
  }

  private static void sink() throws Exception {
    QueueChannel ch = new QueueChannel("c-sink", 100);
    ch.start();
    for (String b : new String[] {"a", "b", "fail", "c"}) {
      ChannelUtils.put(ch, event(b));
    }
    Sink sink = (Sink) instantiate("com.example.flume.CollectingSink");
    sink.setName("k1");
    throwsLike(IllegalStateException.class, "No channel configured", sink::start,
        "start without channel");
    sink.setChannel(ch);
    Configurables.configure(sink, ctx("batchSize", "2", "failOn", "fail"));
    sink.start();
    eq(Sink.Status.READY, sink.process(), "first batch");
    throwsLike(EventDeliveryException.class, "refusing fail", sink::process, "failing batch");
    eq(Arrays.asList("fail", "c"), ch.bodies(), "failed batch rolled back, nothing lost");
    eq(Sink.Status.READY, sink.process(), "retried batch");
    eq(Sink.Status.BACKOFF, sink.process(), "empty channel");
    eq(Arrays.asList("a", "b", "fail", "c"), ((CollectingSink) sink).delivered(), "delivered");
    String name = "org.apache.flume.sink:type=k1";
    eq(4L, mbean(name, "EventDrainSuccessCount"), "SinkCounter drain success");
    eq(1L, mbean(name, "BatchEmptyCount"), "SinkCounter empty batches");
    eq(2L, mbean(name, "BatchCompleteCount"), "SinkCounter complete batches");
    eq(1L, mbean(name, "EventWriteFail"), "SinkCounter write failures");
    eq("com.example.flume.CollectingSink{name:k1, channel:c-sink}", sink.toString(),
        "AbstractSink.toString");
    sink.stop();
    eq(LifecycleState.STOP, sink.getLifecycleState(), "sink stopped");
  }

  private static void serializer() throws Exception {
    EventSerializer.Builder b = (EventSerializer.Builder) instantiate(
        "com.example.flume.CsvSerializer$Builder");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EventSerializer s = b.build(ctx("column", "id", "title", "export"), out);
    eq(false, s.supportsReopen(), "supportsReopen");
    s.afterCreate();
    Map<String, String> h = new HashMap<String, String>();
    h.put("id", "7");
    s.write(EventBuilder.withBody("x,y".getBytes(StandardCharsets.UTF_8), h));
    s.write(event("z"));
    s.flush();
    s.beforeClose();
    eq("# export\n7,x,y\n,z\n# 2 events\n", new String(out.toByteArray(), StandardCharsets.UTF_8),
        "serialized bytes");
    eq("serializer.", EventSerializer.CTX_PREFIX, "CTX_PREFIX");
  }

  private static HttpServletRequest request(String method, String body,
      Map<String, String> headers, Map<String, String> params) {
    return (HttpServletRequest) Proxy.newProxyInstance(PluginDriver.class.getClassLoader(),
        new Class<?>[] {HttpServletRequest.class}, (proxy, m, a) -> {
          switch (m.getName()) {
            case "getReader":
              return new BufferedReader(new StringReader(body));
            case "getCharacterEncoding":
              return "UTF-8";
            case "getMethod":
              return method;
            case "getHeader":
              return headers.get((String) a[0]);
            case "getParameter":
              return params.get((String) a[0]);
            default:
              throw new UnsupportedOperationException(m.getName());
          }
        });
  }

  private static void httpHandler() throws Exception {
    HTTPSourceHandler handler = (HTTPSourceHandler) instantiate("com.example.flume.CsvHttpHandler");
    handler.configure(ctx("defaultStream", "s0"));
    Map<String, String> headers = Collections.singletonMap("X-Tag", "t1");
    List<Event> events = handler.getEvents(request("POST", "r1\n\nr\u00e92\n", headers,
        Collections.singletonMap("stream", "s9")));
    eq(2, events.size(), "events per line");
    eq("r\u00e92", body(events.get(1)), "body decoded and re-encoded");
    Map<String, String> expected = new HashMap<String, String>();
    expected.put("tag", "t1");
    expected.put("stream", "s9");
    expected.put("method", "POST");
    eq(expected, events.get(0).getHeaders(), "headers from the request");
    eq("s0", handler.getEvents(request("PUT", "x", headers, Collections.<String, String>emptyMap()))
        .get(0).getHeaders().get("stream"), "configured default");
    throwsLike(HTTPBadRequestException.class, "empty request body",
        () -> handler.getEvents(request("POST", "", headers, headers)), "bad request");
  }

  private static void sequenceFileSerializer() throws Exception {
    SequenceFileSerializer.Builder b = (SequenceFileSerializer.Builder) instantiate(
        "com.example.flume.KeyedSequenceSerializer$Builder");
    SequenceFileSerializer s = b.build(new Context());
    eq(Long.class, s.getKeyClass(), "key class");
    Event e = event("v");
    e.getHeaders().put("timestamp", "1700000000000");
    SequenceFileSerializer.Record r = s.serialize(e).iterator().next();
    eq(1700000000000L, r.getKey(), "record key");
    eq("v", r.getValue(), "record value");
  }
}
