# flume-rs %postun ($1: 0 erase, 1 upgrade): reload systemd; after an upgrade, restart the
# agent if it was running. The user flume stays; rpm removes the files it installed (changed
# configuration files are kept as .rpmsave, state and logs only if empty).
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -ge 1 ]; then
        systemctl try-restart flume-rs-agent.service >/dev/null 2>&1 || :
    fi
fi
exit 0
