# Varnish 7 in front of LDN Portal. It caches only what the app's headers allow (Cache-Control
# public with s-maxage: reader pages, feeds, sitemap), revalidates with the app's ETag, and
# accepts PURGE and BAN only from the app servers listed in `purgers` (the app purges on every
# publish: LDN_VARNISH_URLS). README.md, "Deployment", describes the set-up.
vcl 4.1;

import std;

# The app (gunicorn). Set the address of your app server here.
backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .first_byte_timeout = 30s;
    # While /healthz fails, stale pages are served (the app's stale-if-error).
    .probe = {
        .url = "/healthz";
        .interval = 2s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        # Healthy from the start, not after the first probes.
        .initial = 2;
    }
}

# The app servers' addresses: only they may purge.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE" || req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(405, "Purging is not allowed from this address"));
        }
        if (req.method == "PURGE") {
            # This variant of the page (see vcl_hash); vcl_purge then purges the other one.
            return (purge);
        }
        ban("obj.http.x-ldn-host == " + req.http.host + " && obj.http.x-ldn-url == " + req.url);
        return (synth(200, "Banned"));
    }
    if (req.http.x-ldn-refresh) {
        # Restarted from vcl_hit: the stale copy may not be used, fetch a fresh one. Not with
        # hash_always_miss, which skips request coalescing: every reader waiting would fetch
        # the page from the app at once.
        unset req.http.x-ldn-refresh;
        set req.grace = 0s;
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Staff areas, signed-in staff (session cookie) and query strings (search, list pages):
    # the app answers them itself; it never lets shared caches keep them.
    if (req.url ~ "^/(admin|ckeditor)/" || req.url ~ "\?") {
        return (pass);
    }
    if (req.http.Authorization || req.http.Cookie ~ "(^|;\s*)(sessionid|messages)=") {
        return (pass);
    }
    # Reader pages carry nothing per reader and do not depend on any other cookie.
    unset req.http.Cookie;
    call ldn_variant;
    return (hash);
}

# Readers that do not accept gzip get a page stored uncompressed, fetched without
# Accept-Encoding: else Varnish keeps only the gzip answer and gunzips it for every such reader.
sub ldn_variant {
    if (req.http.Accept-Encoding ~ "gzip") {
        unset req.http.x-ldn-plain;
    } else {
        set req.http.x-ldn-plain = "1";
    }
}

sub vcl_hash {
    # http and https pages differ (canonical addresses): keep them apart.
    hash_data(req.http.X-Forwarded-Proto);
    hash_data(req.http.x-ldn-plain);
}

sub vcl_purge {
    if (!req.http.x-ldn-purged) {
        set req.http.x-ldn-purged = "1";
        if (req.http.x-ldn-plain) {
            unset req.http.x-ldn-plain;
        } else {
            set req.http.x-ldn-plain = "1";
        }
        return (restart);
    }
    return (synth(200, "Purged"));
}

sub vcl_backend_fetch {
    if (bereq.http.x-ldn-plain) {
        unset bereq.http.Accept-Encoding;
    }
    unset bereq.http.x-ldn-plain;
}

sub vcl_hit {
    if (obj.ttl >= 0s) {
        return (deliver);
    }
    # Stale: within the page's stale-while-revalidate, serve it and refresh in the background.
    if (obj.ttl + std.duration(obj.http.x-ldn-swr + "s", 0s) >= 0s) {
        return (deliver);
    }
    # Later than that only while the app is down (its stale-if-error, kept as grace).
    if (!std.healthy(req.backend_hint)) {
        return (deliver);
    }
    set req.http.x-ldn-refresh = "1";
    return (restart);
}

sub vcl_backend_response {
    # For BAN, and for the lifetimes below.
    set beresp.http.x-ldn-host = bereq.http.host;
    set beresp.http.x-ldn-url = bereq.url;
    set beresp.http.x-ldn-swr = regsub(beresp.http.Cache-Control, "^.*stale-while-revalidate=([0-9]+).*$|^.*$", "\1");
    if (beresp.http.Cache-Control ~ "stale-if-error=[0-9]+") {
        set beresp.grace = std.duration(
            regsub(beresp.http.Cache-Control, "^.*stale-if-error=([0-9]+).*$", "\1s"), 0s);
    } else {
        set beresp.grace = 0s;
    }
    # Kept past that for revalidation with If-None-Match (a 304 from the app is cheap).
    set beresp.keep = 1h;
    if (beresp.status >= 500 && bereq.is_bgfetch) {
        # A failed background refresh keeps the stale copy.
        return (abandon);
    }
    if (beresp.ttl <= 0s && beresp.http.Cache-Control ~ "public" && !beresp.http.Set-Cookie) {
        # A page fetched as its lifetime ends (the last second of a form token's bucket):
        # passed on, not kept, and without the built-in rules' two minutes in which every
        # request for its address would go to the app ("hit-for-miss").
        set beresp.uncacheable = true;
        set beresp.grace = 0s;
        set beresp.keep = 0s;
        return (deliver);
    }
    # Then Varnish's built-in rules: nothing private, no-store or with Set-Cookie is kept.
}

sub vcl_deliver {
    unset resp.http.x-ldn-host;
    unset resp.http.x-ldn-url;
    unset resp.http.x-ldn-swr;
}
