package org.flumers.bridge;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.text.SimpleDateFormat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;

/**
 * The request a hosted HTTP source handler gets: a {@code javax.servlet.http.HttpServletRequest}
 * (a {@link Proxy}, so that any servlet API version on the class path fits) answering from the
 * real request flume-rs received: method, path, query string and parameters, headers, character
 * encoding, body, and the connection's addresses. Parameters are the query string's, then (for
 * a POST of {@code application/x-www-form-urlencoded} whose body was not read as a stream) the
 * form's, as Jetty gives them. There is no session, user, servlet context or async support.
 */
final class HttpRequest implements InvocationHandler {
  static final String REQUEST_CLASS = "javax.servlet.http.HttpServletRequest";

  private final String method;
  private final String path;
  private final String query;
  private final String protocol;
  private final String remoteAddr;
  private final int remotePort;
  private final String localAddr;
  private final int localPort;
  /** Header names as sent, with every value in order. */
  private final List<String[]> headers;
  private final byte[] body;
  private String encoding;
  private final Map<String, Object> attributes = new LinkedHashMap<String, Object>();
  private Map<String, List<String>> parameters;
  /** 1 once getInputStream was called, 2 once getReader was. */
  private int bodyUse;

  HttpRequest(Wire.In in) {
    method = in.str();
    path = in.str();
    query = in.str();
    protocol = in.str();
    remoteAddr = in.str();
    remotePort = in.i32();
    localAddr = in.str();
    localPort = in.i32();
    int n = in.i32();
    headers = new ArrayList<String[]>(n);
    for (int i = 0; i < n; i++) {
      String k = in.str();
      headers.add(new String[] {k, in.str()});
    }
    body = in.bytes();
    encoding = charset(header("Content-Type"));
  }

  /** The servlet API's request interface, or a clear error when the class path has none. */
  static Class<?> requestClass() throws Host.Failure {
    try {
      return Class.forName(REQUEST_CLASS, false, Host.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new Host.Failure(Host.ERR_LINKAGE, new ClassNotFoundException(
          "HTTP source handlers need the servlet API, and " + REQUEST_CLASS
              + " is not on the Java classpath (Flume's lib has javax.servlet-api-3.1.0.jar;"
              + " Debian's libservlet-api-java installs /usr/share/java/servlet-api.jar, which"
              + " flume-rs adds when present; or put a servlet-api jar in the plugin's libext/)",
          e));
    }
  }

  Object proxy(Class<?> requestClass) {
    return Proxy.newProxyInstance(Host.class.getClassLoader(), new Class<?>[] {requestClass},
        this);
  }

  /** Content types Jetty 9.4 knows with their charset: it answers the charset's Java name. */
  private static final String[] KNOWN_TYPES = {
    "text/html", "text/plain", "text/xml", "text/json", "application/json"
  };

  /**
   * The character encoding of a Content-Type value as Jetty 9.4 (Flume 1.9's) answers
   * {@code getCharacterEncoding}: null without a charset; the Java name for a content type it
   * knows with UTF-8 or ISO-8859-1; else the charset as written, with utf-8, utf-16 and
   * iso-8859-1 (and their spellings without the dash) lower-cased.
   */
  static String charset(String contentType) {
    if (contentType == null) {
      return null;
    }
    String ct = contentType.trim();
    for (String type : KNOWN_TYPES) {
      for (String sep : new String[] {";charset=", "; charset="}) {
        if (ct.equalsIgnoreCase(type + sep + "utf-8")) {
          return "UTF-8";
        }
        if (ct.equalsIgnoreCase(type + sep + "iso-8859-1")) {
          return "ISO-8859-1";
        }
      }
    }
    String[] parts = ct.split(";");
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      int eq = p.indexOf('=');
      if (eq > 0 && p.substring(0, eq).trim().equalsIgnoreCase("charset")) {
        String v = p.substring(eq + 1).trim();
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
          v = v.substring(1, v.length() - 1);
        }
        String lower = v.toLowerCase(Locale.ROOT);
        if (lower.equals("utf-8") || lower.equals("utf8")) {
          return "utf-8";
        }
        if (lower.equals("utf-16") || lower.equals("utf16")) {
          return "utf-16";
        }
        if (lower.equals("iso-8859-1") || lower.equals("iso_8859_1")) {
          return "iso-8859-1";
        }
        return v;
      }
    }
    return null;
  }

  String header(String name) {
    for (String[] h : headers) {
      if (h[0].equalsIgnoreCase(name)) {
        return h[1];
      }
    }
    return null;
  }

  List<String> headerValues(String name) {
    List<String> out = new ArrayList<String>();
    for (String[] h : headers) {
      if (h[0].equalsIgnoreCase(name)) {
        out.add(h[1]);
      }
    }
    return out;
  }

  List<String> headerNames() {
    List<String> out = new ArrayList<String>();
    for (String[] h : headers) {
      boolean seen = false;
      for (String o : out) {
        seen |= o.equalsIgnoreCase(h[0]);
      }
      if (!seen) {
        out.add(h[0]);
      }
    }
    return out;
  }

  private Map<String, List<String>> parameters() {
    if (parameters == null) {
      parameters = new LinkedHashMap<String, List<String>>();
      decode(query, "UTF-8", parameters);
      String type = header("Content-Type");
      if (bodyUse == 0 && "POST".equals(method) && type != null
          && type.split(";")[0].trim().equalsIgnoreCase("application/x-www-form-urlencoded")) {
        String cs = encoding == null ? "UTF-8" : encoding;
        try {
          decode(new String(body, cs), cs, parameters);
        } catch (UnsupportedEncodingException e) {
          decode(new String(body, Charset.forName("UTF-8")), "UTF-8", parameters);
        }
      }
    }
    return parameters;
  }

  private static void decode(String text, String charset, Map<String, List<String>> into) {
    if (text == null || text.isEmpty()) {
      return;
    }
    for (String pair : text.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      k = unescape(k, charset);
      v = unescape(v, charset);
      List<String> values = into.get(k);
      if (values == null) {
        values = new ArrayList<String>();
        into.put(k, values);
      }
      values.add(v);
    }
  }

  private static String unescape(String s, String charset) {
    try {
      return URLDecoder.decode(s, charset);
    } catch (Exception e) {
      return s;
    }
  }

  private Map<String, String[]> parameterMap() {
    Map<String, String[]> m = new LinkedHashMap<String, String[]>();
    for (Map.Entry<String, List<String>> e : parameters().entrySet()) {
      m.put(e.getKey(), e.getValue().toArray(new String[0]));
    }
    return Collections.unmodifiableMap(m);
  }

  private String serverName() {
    String host = header("Host");
    if (host == null || host.isEmpty()) {
      return localAddr;
    }
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end > 0 ? host.substring(0, end + 1) : host;
    }
    int colon = host.indexOf(':');
    return colon < 0 ? host : host.substring(0, colon);
  }

  private int serverPort() {
    String host = header("Host");
    if (host != null) {
      int colon = host.lastIndexOf(':');
      if (colon > 0 && colon > host.lastIndexOf(']')) {
        try {
          return Integer.parseInt(host.substring(colon + 1));
        } catch (NumberFormatException e) {
          return localPort;
        }
      }
      return 80;
    }
    return localPort;
  }

  private long dateHeader(String name) {
    String v = header(name);
    if (v == null) {
      return -1;
    }
    String[] formats = {
      "EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"
    };
    for (String f : formats) {
      SimpleDateFormat format = new SimpleDateFormat(f, Locale.US);
      format.setTimeZone(TimeZone.getTimeZone("GMT"));
      try {
        return format.parse(v.trim()).getTime();
      } catch (java.text.ParseException e) {
        // next format
      }
    }
    throw new IllegalArgumentException("Cannot convert date: " + v);
  }

  private Locale locale() {
    String v = header("Accept-Language");
    if (v == null || v.trim().isEmpty()) {
      return Locale.getDefault();
    }
    String first = v.split(",")[0].split(";")[0].trim();
    return first.isEmpty() || first.equals("*") ? Locale.getDefault()
        : Locale.forLanguageTag(first);
  }

  private Object cookies() throws Exception {
    List<String[]> found = new ArrayList<String[]>();
    for (String h : headerValues("Cookie")) {
      for (String c : h.split(";")) {
        int eq = c.indexOf('=');
        if (eq > 0) {
          String v = c.substring(eq + 1).trim();
          if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1);
          }
          found.add(new String[] {c.substring(0, eq).trim(), v});
        }
      }
    }
    if (found.isEmpty()) {
      return null;
    }
    Class<?> cookie = Class.forName("javax.servlet.http.Cookie", true,
        Host.class.getClassLoader());
    Object array = java.lang.reflect.Array.newInstance(cookie, found.size());
    for (int i = 0; i < found.size(); i++) {
      java.lang.reflect.Array.set(array, i, cookie.getConstructor(String.class, String.class)
          .newInstance(found.get(i)[0], found.get(i)[1]));
    }
    return array;
  }

  @Override
  public Object invoke(Object self, Method m, Object[] args) throws Throwable {
    String name = m.getName();
    Object a0 = args != null && args.length > 0 ? args[0] : null;
    switch (name) {
      case "getMethod":
        return method;
      case "getRequestURI":
      case "getServletPath":
        return path;
      case "getPathInfo":
      case "getPathTranslated":
        return null;
      case "getContextPath":
        return "";
      case "getQueryString":
        return query;
      case "getRequestURL": {
        StringBuffer url = new StringBuffer("http://").append(serverName());
        int port = serverPort();
        if (port != 80) {
          url.append(':').append(port);
        }
        return url.append(path);
      }
      case "getProtocol":
        return protocol;
      case "getScheme":
        return "http";
      case "isSecure":
        return false;
      case "getServerName":
        return serverName();
      case "getServerPort":
        return serverPort();
      case "getRemoteAddr":
      case "getRemoteHost":
        return remoteAddr;
      case "getRemotePort":
        return remotePort;
      case "getLocalAddr":
      case "getLocalName":
        return localAddr;
      case "getLocalPort":
        return localPort;
      case "getHeader":
        return header((String) a0);
      case "getHeaders":
        return Collections.enumeration(headerValues((String) a0));
      case "getHeaderNames":
        return Collections.enumeration(headerNames());
      case "getIntHeader": {
        String v = header((String) a0);
        return v == null ? -1 : Integer.parseInt(v.trim());
      }
      case "getDateHeader":
        return dateHeader((String) a0);
      case "getContentType":
        return header("Content-Type");
      case "getContentLength":
        return body.length;
      case "getContentLengthLong":
        return (long) body.length;
      case "getCharacterEncoding":
        return encoding;
      case "setCharacterEncoding":
        if (bodyUse != 2) {
          if (a0 != null && !Charset.isSupported((String) a0)) {
            throw new UnsupportedEncodingException((String) a0);
          }
          encoding = (String) a0;
        }
        return null;
      case "getInputStream":
        if (bodyUse == 2) {
          throw new IllegalStateException("READER");
        }
        bodyUse = 1;
        return new RequestBody(body);
      case "getReader": {
        if (bodyUse == 1) {
          throw new IllegalStateException("STREAMED");
        }
        bodyUse = 2;
        String cs = encoding == null ? "ISO-8859-1" : encoding;
        return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), cs));
      }
      case "getParameter": {
        List<String> v = parameters().get((String) a0);
        return v == null ? null : v.get(0);
      }
      case "getParameterValues": {
        List<String> v = parameters().get((String) a0);
        return v == null ? null : v.toArray(new String[0]);
      }
      case "getParameterNames":
        return Collections.enumeration(new ArrayList<String>(parameters().keySet()));
      case "getParameterMap":
        return parameterMap();
      case "getAttribute":
        return attributes.get((String) a0);
      case "getAttributeNames":
        return Collections.enumeration(new ArrayList<String>(attributes.keySet()));
      case "setAttribute":
        if (args[1] == null) {
          attributes.remove((String) a0);
        } else {
          attributes.put((String) a0, args[1]);
        }
        return null;
      case "removeAttribute":
        attributes.remove((String) a0);
        return null;
      case "getLocale":
        return locale();
      case "getLocales":
        return Collections.enumeration(Collections.singletonList(locale()));
      case "getCookies":
        return cookies();
      case "getDispatcherType": {
        @SuppressWarnings({"unchecked", "rawtypes"})
        Object request = Enum.valueOf((Class) Class.forName("javax.servlet.DispatcherType",
            true, Host.class.getClassLoader()), "REQUEST");
        return request;
      }
      case "isUserInRole":
      case "isRequestedSessionIdValid":
      case "isRequestedSessionIdFromCookie":
      case "isRequestedSessionIdFromURL":
      case "isRequestedSessionIdFromUrl":
      case "isAsyncStarted":
      case "isAsyncSupported":
        return false;
      case "startAsync":
        throw new IllegalStateException("flume-rs: async requests are not supported");
      case "toString":
        return method + " " + path + (query == null ? "" : "?" + query) + " " + protocol;
      case "hashCode":
        return System.identityHashCode(self);
      case "equals":
        return self == a0;
      default:
        return defaultValue(m.getReturnType());
    }
  }

  /** What a method this request does not implement answers (no session, no user, …). */
  private static Object defaultValue(Class<?> type) {
    if (!type.isPrimitive() || type == void.class) {
      return null;
    }
    if (type == boolean.class) {
      return false;
    }
    if (type == long.class) {
      return 0L;
    }
    if (type == char.class) {
      return (char) 0;
    }
    if (type == double.class) {
      return 0d;
    }
    if (type == float.class) {
      return 0f;
    }
    if (type == byte.class) {
      return (byte) 0;
    }
    if (type == short.class) {
      return (short) 0;
    }
    return 0;
  }
}
