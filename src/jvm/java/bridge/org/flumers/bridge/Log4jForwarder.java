package org.flumers.bridge;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Forwards log4j 1.x output of hosted code (and slf4j's, through Flume's slf4j-log4j12) to the
 * agent's log with the logger name, when log4j 1.x is on the class path. log4j's own
 * configuration is not read (no {@code log4j.properties} file appender writes beside the
 * agent's log): the root logger gets the agent's level and this appender only. A site that
 * names its own file with {@code -Dlog4j.configuration} keeps it, with this appender added.
 * Reflection only, so the bridge needs no log4j at build or run time.
 */
final class Log4jForwarder implements InvocationHandler {
  private static final String LOGGER = "org.apache.log4j.Logger";

  private Method loggerName;
  private Method level;
  private Method toInt;
  private Method message;
  private Method thrown;

  static void install() {
    ClassLoader loader = Host.class.getClassLoader();
    if (loader.getResource("org/apache/log4j/Logger.class") == null) {
      return;
    }
    boolean own = System.getProperty("log4j.configuration") != null;
    if (!own) {
      System.setProperty("log4j.defaultInitOverride", "true");
    }
    try {
      Class<?> logger = Class.forName(LOGGER, true, loader);
      Class<?> appender = Class.forName("org.apache.log4j.Appender", true, loader);
      Object root = logger.getMethod("getRootLogger").invoke(null);
      if (!own) {
        logger.getMethod("removeAllAppenders").invoke(root);
        Class<?> levelClass = Class.forName("org.apache.log4j.Level", true, loader);
        Object lvl = levelClass.getMethod("toLevel", String.class)
            .invoke(null, Logs.log4jLevel());
        logger.getMethod("setLevel", levelClass).invoke(root, lvl);
      }
      Object forwarder = Proxy.newProxyInstance(loader, new Class<?>[] {appender},
          new Log4jForwarder());
      logger.getMethod("addAppender", appender).invoke(root, forwarder);
    } catch (Throwable t) {
      Logs.log(Logs.WARN, "org.flumers.bridge",
          "log4j is on the Java classpath but its output cannot be forwarded", t);
    }
  }

  @Override
  public Object invoke(Object self, Method m, Object[] args) throws Throwable {
    String name = m.getName();
    if (name.equals("doAppend") && args != null && args.length == 1 && args[0] != null) {
      append(args[0]);
      return null;
    }
    if (name.equals("getName")) {
      return "flume-rs";
    }
    if (name.equals("requiresLayout")) {
      return false;
    }
    if (name.equals("equals")) {
      return self == args[0];
    }
    if (name.equals("hashCode")) {
      return System.identityHashCode(self);
    }
    if (name.equals("toString")) {
      return "flume-rs log4j appender";
    }
    return null;
  }

  private void append(Object event) throws Exception {
    if (loggerName == null) {
      Class<?> c = event.getClass();
      loggerName = c.getMethod("getLoggerName");
      level = c.getMethod("getLevel");
      message = c.getMethod("getRenderedMessage");
      thrown = c.getMethod("getThrowableStrRep");
    }
    Object lvl = level.invoke(event);
    if (toInt == null) {
      toInt = lvl.getClass().getMethod("toInt");
    }
    int value = (Integer) toInt.invoke(lvl);
    // log4j: FATAL 50000, ERROR 40000, WARN 30000, INFO 20000, DEBUG 10000, TRACE 5000.
    int mapped = value >= 40000 ? Logs.ERROR
        : value >= 30000 ? Logs.WARN
        : value >= 20000 ? Logs.INFO
        : value >= 10000 ? Logs.DEBUG : Logs.TRACE;
    if (!Logs.enabled(mapped)) {
      return;
    }
    StringBuilder text = new StringBuilder(String.valueOf(message.invoke(event)));
    String[] stack = (String[]) thrown.invoke(event);
    if (stack != null) {
      for (String line : stack) {
        text.append('\n').append(line);
      }
    }
    Logs.send(mapped, String.valueOf(loggerName.invoke(event)), text.toString());
  }
}
