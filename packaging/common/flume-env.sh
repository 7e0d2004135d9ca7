# flume-env.sh for flume-rs: read by `flume-ng agent --conf /etc/flume-rs/conf` the way Java
# Flume's launcher sources it. Nothing here is needed; every line is an example.
#
# flume-rs takes the -D<property>=<value> options found in JAVA_OPTS and FLUME_JAVA_OPTS
# (options given on the command line win). JVM options (-Xmx, -XX:..., -javaagent) mean nothing
# to a native binary and are ignored, so a Java Flume flume-env.sh can be copied here as it is.
#
# Logging is set in /etc/default/flume-rs-agent (Debian) or /etc/sysconfig/flume-rs-agent
# (RHEL): FLUME_ROOT_LOGGER and FLUME_LOG_DIR, which the service passes on the command line.

# Metrics as JSON over HTTP, as Flume's HTTPMetricsServer serves them (GET /metrics):
# JAVA_OPTS="-Dflume.monitoring.type=http -Dflume.monitoring.port=34545"

# The same counters in Prometheus' text format:
# JAVA_OPTS="-Dflume.monitoring.type=prometheus -Dflume.monitoring.port=34545"

# Values for ${sys:...} lookups in the agent configuration:
# FLUME_JAVA_OPTS="-Dkafka.brokers=broker1:9092,broker2:9092"
