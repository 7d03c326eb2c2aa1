# instance.sh -- sourced by the scripts that run a throwaway portal with
# ./run.sh (scripts/browser.sh, bench/bench.sh).
#   portal_free_port BASE        print the first free TCP port from BASE on
#   portal_start PORT DATA OUT ERR [run.sh options]
#                                start ./run.sh in its own process group,
#                                wait up to 60 s for GET /login to answer 200;
#                                sets portal_pid and portal_url
#   portal_stop                  TERM the instance and wait for its port
#   portal_user WORK             register a user on the running instance,
#                                open the confirmation link it mails
#                                (DATA/mail/*.eml) and sign in with curl;
#                                sets portal_cookie ("Cookie" header value)
#                                and portal_jar (curl cookie jar in WORK)
# shellcheck shell=sh

# the caller sets $top, the source tree
portal_top=${top:?instance.sh needs $top}
portal_pid=
portal_port=
portal_url=

portal_listening() {
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

portal_free_port() {
    p=$1 tries=0
    while portal_listening "$p"; do
        tries=$((tries + 1))
        if [ "$tries" -ge 50 ]; then
            echo "no free port from $1 on" >&2
            return 1
        fi
        p=$((p + 1))
    done
    echo "$p"
}

portal_start() {
    portal_port=$1 data=$2 out=$3 err=$4
    portal_data=$data
    shift 4
    portal_url="http://127.0.0.1:$portal_port"
    # setsid: its own process group (a non-interactive shell has no job
    # control); setsid does not fork here, so $! is run.sh's pid, and
    # run.sh execs apache2, so it becomes the httpd parent
    setsid "$portal_top/run.sh" --port "$portal_port" --data "$data" "$@" \
        >"$out" 2>"$err" </dev/null &
    portal_pid=$!
    waited=0
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "$portal_url/login" 2>/dev/null)" = 200 ]; do
        if ! kill -0 "$portal_pid" 2>/dev/null; then
            wait "$portal_pid" 2>/dev/null || :
            portal_pid=
            echo "the portal exited before answering; end of its log:" >&2
            tail -n 20 "$err" >&2
            return 1
        fi
        if [ "$waited" -ge 600 ]; then
            echo "no 200 from $portal_url/login after 60 s; end of its log:" >&2
            tail -n 20 "$err" >&2
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

portal_stop() {
    [ -n "$portal_pid" ] || return 0
    # the httpd parent stops its children on TERM; the process group also
    # holds a build or anything else run.sh may still be running
    kill -TERM -- "-$portal_pid" 2>/dev/null || kill -TERM "$portal_pid" 2>/dev/null || :
    wait "$portal_pid" 2>/dev/null || :
    portal_pid=
    n=0
    while portal_listening "$portal_port" && [ "$n" -lt 100 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    if portal_listening "$portal_port"; then
        echo "port $portal_port is still in use after stopping the portal" >&2
    fi
}

# portal_csrf PATH: GET the form (keeping cookies), print its token
portal_csrf() {
    curl -sf -c "$portal_jar" -b "$portal_jar" "$portal_url$1" \
        | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1
}

portal_user() {
    portal_jar="$1/cookies"
    pu_user="bench$$" pu_pass="bench-password-$$"
    pu_token=$(portal_csrf /register)
    [ -n "$pu_token" ] || { echo "no csrf_token in the /register form" >&2; return 1; }
    pu_to=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -c "$portal_jar" -b "$portal_jar" \
        --data-urlencode "csrf_token=$pu_token" --data-urlencode "username=$pu_user" \
        --data-urlencode "password=$pu_pass" --data-urlencode "first_name=Bench" \
        --data-urlencode "last_name=Mark" --data-urlencode "email=$pu_user@example.org" \
        --data-urlencode "address=1 Benchmark Road
Testville" "$portal_url/register")
    case "$pu_to" in "303 "*"/login?registered=1") ;; *) echo "registering answered: $pu_to" >&2; return 1 ;; esac
    # confirm the address with the link the mail job writes to DATA/mail/
    pu_link= pu_waited=0
    while [ -z "$pu_link" ] && [ "$pu_waited" -lt 300 ]; do
        pu_link=$(grep -h -o "http://[^ ]*/verify_email?token=[A-Za-z0-9_-]*" "$portal_data"/mail/*.eml 2>/dev/null | head -n 1)
        [ -n "$pu_link" ] || { sleep 0.1; pu_waited=$((pu_waited + 1)); }
    done
    [ -n "$pu_link" ] || { echo "no confirmation mail in $portal_data/mail after 30 s" >&2; return 1; }
    pu_code=$(curl -s -o /dev/null -w '%{http_code}' "$pu_link")
    [ "$pu_code" = 303 ] || { echo "the confirmation link answered $pu_code" >&2; return 1; }
    pu_token=$(portal_csrf /login)     # also sets the portal_pre cookie the POST needs
    [ -n "$pu_token" ] || { echo "no csrf_token in the /login form" >&2; return 1; }
    pu_to=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -c "$portal_jar" -b "$portal_jar" \
        --data-urlencode "csrf_token=$pu_token" --data-urlencode "username=$pu_user" \
        --data-urlencode "password=$pu_pass" "$portal_url/login")
    case "$pu_to" in "303 "*"/dashboard") ;; *) echo "signing in answered: $pu_to" >&2; return 1 ;; esac
    # "Cookie: a=b; c=d" from the jar (HttpOnly cookies are "#HttpOnly_" lines)
    portal_cookie=$(sed -n 's/^#HttpOnly_//; /^#/d; /^$/d; p' "$portal_jar" \
        | awk -F '\t' 'NF >= 7 { printf "%s%s=%s", sep, $6, $7; sep = "; " }')
    case "$portal_cookie" in *portal_session=*) ;; *) echo "no session cookie after signing in" >&2; return 1 ;; esac
}
