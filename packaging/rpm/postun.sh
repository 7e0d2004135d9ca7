# flume-rs %postun ($1: 0 erase, 1 upgrade): reload systemd; after an upgrade, restart the
# agent if it was running. On erase, rpm has removed the package's files (changed configuration
# files are kept as .rpmsave); the directories go too when nothing else is left in them. The
# state and logs in /var/lib/flume-rs and /var/log/flume-rs, and the user flume, stay.
if [ "$1" -eq 0 ]; then
    for dir in /usr/lib/flume-rs/bin /usr/lib/flume-rs /etc/flume-rs/conf /etc/flume-rs/plugins.d /etc/flume-rs \
        /usr/share/doc/flume-rs /usr/share/flume-rs/grafana /usr/share/flume-rs \
        /var/lib/flume-rs /var/log/flume-rs; do
        rmdir "$dir" 2>/dev/null || :
    done
fi
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -ge 1 ]; then
        systemctl try-restart flume-rs-agent.service >/dev/null 2>&1 || :
    fi
fi
exit 0
