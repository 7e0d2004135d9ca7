// The per-event work of benches/interceptors.sh in plain Java, without any Flume plumbing
// (no Event objects, channels, transactions or threads handing batches over): what Flume's
// timestamp, host, regex_extractor (+ millis serializer) and regex_filter interceptors do
// for one body. Java Flume is slower than this; it is a floor for its cost, not a model.
//
// Joda-Time is not on a plain JDK; java.time's DateTimeFormatter does the same parse.
import java.io.BufferedReader;
import java.io.FileReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class InterceptorWork {
    public static void main(String[] args) throws Exception {
        List<byte[]> bodies = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new FileReader(args[0], StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) bodies.add(line.getBytes(StandardCharsets.UTF_8));
        }
        Pattern extract = Pattern.compile("^(\\S+) \\S+ \\S+ \\[([^\\]]+)\\] \"[^\"]*\" (\\d{3}) ");
        Pattern filter = Pattern.compile("\\.(?:png|gif|css|js) HTTP");
        DateTimeFormatter fmt = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH);
        String host = InetAddress.getLocalHost().getHostAddress();
        long cpu0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        long kept = 0;
        long check = 0;
        for (byte[] body : bodies) {
            Map<String, String> headers = new HashMap<>();
            headers.put("timestamp", Long.toString(System.currentTimeMillis()));
            headers.put("host", host);
            Matcher m = extract.matcher(new String(body, StandardCharsets.UTF_8));
            if (m.find()) {
                headers.put("client", m.group(1));
                long ms = OffsetDateTime.parse(m.group(2), fmt).toInstant().toEpochMilli();
                headers.put("logtime", Long.toString(ms));
                headers.put("status", m.group(3));
            }
            if (!filter.matcher(new String(body, StandardCharsets.UTF_8)).find()) {
                kept++;
                check += headers.size();
            }
        }
        double cpu = (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu0) / 1e9;
        System.out.printf("Java loop thread: %d lines, %d kept (%d headers), %.2f CPU s, %.0f events per CPU-s%n",
                bodies.size(), kept, check, cpu, bodies.size() / cpu);
    }
}
