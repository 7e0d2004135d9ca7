# flume-rs %pre: the agent's user, before its directories are laid down. An existing one
# (e.g. from a Java Flume package) is used as it is, and it stays when flume-rs is removed.
getent group flume >/dev/null || groupadd --system flume
getent passwd flume >/dev/null || useradd --system --gid flume --home-dir /var/lib/flume-rs \
    --no-create-home --shell /sbin/nologin --comment "Flume agent" flume
exit 0
