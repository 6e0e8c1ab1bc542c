# Shared by the bench scripts: start nginx with the config template $CONF_TEMPLATE (its @PORT@ replaced by a free
# port) under $TMP/nginx, using the binary $NGINX. Lines of the template marked needs:http_<module>_module are
# dropped when this nginx was built without that module. Sets PORT and NGINX_PID, or calls die.
start_nginx() {
    port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
    PORT=""
    mkdir -p "$TMP/nginx/tmp"
    for _ in $(seq 10); do
        local candidate=$((20000 + RANDOM % 40000))
        port_in_use "$candidate" && continue
        sed -e "s/@PORT@/$candidate/" "$CONF_TEMPLATE" >"$TMP/nginx/nginx.conf"
        for module in proxy fastcgi uwsgi scgi; do
            if "$NGINX" -V 2>&1 | grep -q -- "--without-http_${module}_module"; then
                sed -i "/needs:http_${module}_module/d" "$TMP/nginx/nginx.conf"
            fi
        done
        "$NGINX" -p "$TMP/nginx/" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" &
        NGINX_PID=$!
        for _ in $(seq 50); do
            port_in_use "$candidate" && { PORT=$candidate; break; }
            kill -0 "$NGINX_PID" 2>/dev/null || break
            sleep 0.1
        done
        [ -n "$PORT" ] && break
        kill -TERM "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
        NGINX_PID=""
    done
    [ -n "$PORT" ] || { cat "$TMP/nginx/error.log" >&2 2>/dev/null || true; die "could not start nginx"; }
}
